package dev.vmbox.provider.libvirt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The QEMU process of a running domain on this machine, read from {@code /proc}: its own command line is what the
 * hypervisor really runs with (libvirt names the guest {@code -name guest=DOMAIN,...}), stronger evidence than any
 * XML. {@code /proc/PID/cmdline} is readable by every user unless /proc is mounted with {@code hidepid}.
 */
final class QemuProcesses {
    private QemuProcesses() {
    }

    /** The arguments of the QEMU process running {@code domain}, if one is found under {@code proc}. */
    static Optional<List<String>> commandLine(Path proc, String domain) {
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("[0-9]+"))) {
            for (Path pid : pids) {
                List<String> argv = read(pid.resolve("cmdline"));
                if (runs(argv, domain)) {
                    return Optional.of(argv);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The {@code -netdev} value of vmbox's user-mode network in {@code argv}, if there is one. */
    static Optional<String> vmboxNetdev(List<String> argv) {
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals("-netdev") && argv.get(i + 1).startsWith("user,id=" + DomainXml.NETDEV_ID + ",")) {
                return Optional.of(argv.get(i + 1));
            }
        }
        return Optional.empty();
    }

    private static boolean runs(List<String> argv, String domain) {
        if (argv.isEmpty() || !Path.of(argv.get(0)).getFileName().toString().startsWith("qemu-system-")) {
            return false;
        }
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals("-name")) {
                String v = argv.get(i + 1);
                return v.equals("guest=" + domain) || v.startsWith("guest=" + domain + ",") || v.equals(domain);
            }
        }
        return false;
    }

    private static List<String> read(Path cmdline) {
        try {
            String all = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8);
            if (all.isEmpty()) {
                return List.of();
            }
            return List.of((all.endsWith("\0") ? all.substring(0, all.length() - 1) : all).split("\0", -1));
        } catch (IOException e) {
            return List.of(); // gone meanwhile, or not ours to read
        }
    }
}
