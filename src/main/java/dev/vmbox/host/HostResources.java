package dev.vmbox.host;

import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPUs, memory and free disk of the host. Linux reads /proc under an injectable root; macOS asks
 * {@code sysctl} through the command runner.
 *
 * @param cpus               logical CPUs
 * @param memoryBytes        total memory
 * @param availableMemoryBytes memory available for new work (Linux MemAvailable), or -1 if unknown
 */
public record HostResources(int cpus, long memoryBytes, long availableMemoryBytes) {

    private static final Pattern MEM_TOTAL = Pattern.compile("(?m)^MemTotal:\\s+(\\d+) kB");
    private static final Pattern MEM_AVAIL = Pattern.compile("(?m)^MemAvailable:\\s+(\\d+) kB");

    public static HostResources probe(Path root, String osName, CommandRunner runner) {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (osName.toLowerCase(Locale.ROOT).contains("mac")) {
            long mem = -1;
            try {
                String out = runner.run(Command.of(Duration.ofSeconds(5), "sysctl", "-n", "hw.memsize")).stdout().trim();
                mem = Long.parseLong(out);
            } catch (VmboxException | NumberFormatException e) {
                mem = -1;
            }
            return new HostResources(cpus, mem, -1);
        }
        long total = -1;
        long avail = -1;
        try {
            String meminfo = Files.readString(root.resolve("proc/meminfo"));
            Matcher m = MEM_TOTAL.matcher(meminfo);
            if (m.find()) {
                total = Long.parseLong(m.group(1)) * 1024;
            }
            Matcher a = MEM_AVAIL.matcher(meminfo);
            if (a.find()) {
                avail = Long.parseLong(a.group(1)) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            total = -1;
        }
        return new HostResources(cpus, total, avail);
    }

    /** Usable bytes on the file system holding {@code path} (or its nearest existing parent). */
    public static long freeDisk(Path path) {
        Path p = path.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return -1;
        }
        try {
            return Files.getFileStore(p).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }
}
