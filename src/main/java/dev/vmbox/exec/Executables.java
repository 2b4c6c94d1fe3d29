package dev.vmbox.exec;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Finds programs on a PATH (the process's own, or one handed in by tests) and says how to install them. */
public final class Executables {
    private final String path;

    public Executables(String path) {
        this.path = path == null ? "" : path;
    }

    public static Executables fromEnvironment(Map<String, String> env) {
        return new Executables(env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"));
    }

    /** The first executable file called {@code name} on the PATH; a name with a slash is checked as is. */
    public Optional<Path> find(String name) {
        if (name.contains("/")) {
            Path p = Path.of(name);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    public String path() {
        return path;
    }

    /** One line telling a person how to get {@code program}, for the hosts vmbox supports. */
    public static String installHint(String program) {
        String base = program.contains("/") ? program.substring(program.lastIndexOf('/') + 1) : program;
        return switch (base) {
            case "virsh", "libvirtd", "virtqemud" ->
                    "install libvirt: sudo apt-get install libvirt-daemon-system libvirt-clients (Debian/Ubuntu), "
                            + "sudo dnf install libvirt (Fedora)";
            case "qemu-img" -> "install QEMU's tools: sudo apt-get install qemu-utils (Debian/Ubuntu), brew install qemu (macOS)";
            case "qemu-system-x86_64", "qemu-system-aarch64" ->
                    "install QEMU: sudo apt-get install qemu-system-x86 (Debian/Ubuntu), brew install qemu (macOS)";
            case "limactl" -> "install Lima: brew install lima (macOS), or see https://lima-vm.io/docs/installation/";
            case "multipass" -> "install Multipass: sudo snap install multipass (Linux), brew install --cask multipass (macOS)";
            case "mmdebstrap" -> "install mmdebstrap: sudo apt-get install mmdebstrap";
            case "cloud-localds" -> "install cloud-image-utils: sudo apt-get install cloud-image-utils";
            case "xorriso" -> "install xorriso: sudo apt-get install xorriso (Debian/Ubuntu), brew install xorriso (macOS)";
            case "genisoimage" -> "install genisoimage: sudo apt-get install genisoimage";
            case "mkfs.ext4" -> "install e2fsprogs: sudo apt-get install e2fsprogs";
            case "ssh", "ssh-keygen" -> "install the OpenSSH client: sudo apt-get install openssh-client";
            case "nft" -> "install nftables: sudo apt-get install nftables";
            case "cloud-init" -> "install cloud-init: sudo apt-get install cloud-init";
            default -> "install '" + base + "' and make sure it is on PATH";
        };
    }
}
