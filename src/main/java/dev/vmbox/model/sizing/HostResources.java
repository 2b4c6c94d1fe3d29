package dev.vmbox.model.sizing;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;

/**
 * What the host can give a VM. Tests feed fake hosts; {@link #ofThisMachine} reads this machine's CPUs,
 * memory and free disk (GPUs come from the host probe, which lists passthrough-capable devices).
 *
 * @param cpus           logical CPUs
 * @param memoryBytes    total physical memory
 * @param freeDiskBytes  free space where instance disks and the download cache live
 * @param gpus           GPUs available for passthrough
 */
public record HostResources(int cpus, long memoryBytes, long freeDiskBytes, List<Gpu> gpus) {
    public HostResources {
        gpus = List.copyOf(gpus);
    }

    /** This machine without GPUs; {@code dataDir} is where disks and the cache go (or its nearest existing parent). */
    public static HostResources ofThisMachine(Path dataDir, List<Gpu> gpus) {
        long mem = Runtime.getRuntime().maxMemory();
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            mem = os.getTotalMemorySize();
        }
        long free = Math.max(0, dev.vmbox.host.HostResources.freeDisk(dataDir));
        return new HostResources(Runtime.getRuntime().availableProcessors(), mem, free, gpus);
    }
}
