package dev.vmbox.model.sizing;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * What the host can give a VM. Tests feed fake hosts; {@link #ofThisMachine} reads this machine's CPUs,
 * memory and free disk (GPUs come from the host probe, which lists passthrough-capable devices).
 *
 * @param cpus           logical CPUs
 * @param memoryBytes    total physical memory
 * @param freeDiskBytes  free space where instance disks live (and the download cache, unless given apart);
 *                       {@link #UNKNOWN} for a remote host whose storage pool does not exist yet
 * @param gpus           GPUs available for passthrough
 * @param cacheFreeBytes free space of the download cache when it is on another machine than the disks (a remote
 *                       libvirt host's pool); empty when both share {@code freeDiskBytes}
 */
public record HostResources(int cpus, long memoryBytes, long freeDiskBytes, List<Gpu> gpus, OptionalLong cacheFreeBytes) {
    /** Free space not known (only with a separate {@code cacheFreeBytes}: the disks go to another machine). */
    public static final long UNKNOWN = -1;

    public HostResources {
        gpus = List.copyOf(gpus);
        cacheFreeBytes = cacheFreeBytes == null ? OptionalLong.empty() : cacheFreeBytes;
    }

    public HostResources(int cpus, long memoryBytes, long freeDiskBytes, List<Gpu> gpus) {
        this(cpus, memoryBytes, freeDiskBytes, gpus, OptionalLong.empty());
    }

    /**
     * A host whose capacity was not read (a dry run does not contact a remote host): sizing then says what the model
     * needs, checked against nothing; the run reads the host and checks it.
     */
    public static HostResources unread(OptionalLong cacheFreeBytes) {
        return new HostResources(0, UNKNOWN, UNKNOWN, List.of(), cacheFreeBytes);
    }

    /** False for {@link #unread}. */
    public boolean read() {
        return cpus > 0;
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
