package dev.vmbox.provider;

import dev.vmbox.host.PciHost;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the machine that runs the VMs offers, when that machine is not this one (a remote libvirt host), so a
 * VM is sized for where it runs.
 *
 * @param cpus          logical CPUs
 * @param memoryBytes   physical memory
 * @param freeDiskBytes free space where the VM's disks go, when known
 * @param pci           its PCI devices (read when first asked: only a GPU request does), or null when unknown
 */
public record HostCapacity(int cpus, long memoryBytes, OptionalLong freeDiskBytes, PciHost pci) {
    public HostCapacity(int cpus, long memoryBytes, OptionalLong freeDiskBytes) {
        this(cpus, memoryBytes, freeDiskBytes, null);
    }

    /** A remote host whose capacity was not read (a dry run does not contact it). */
    public static HostCapacity unread() {
        return new HostCapacity(0, 0, OptionalLong.empty(), null);
    }

    /** False for {@link #unread()}. */
    public boolean read() {
        return cpus > 0;
    }

    public HostCapacity withPci(PciHost devices) {
        return new HostCapacity(cpus, memoryBytes, freeDiskBytes, devices);
    }

    public Optional<PciHost> pciHost() {
        return Optional.ofNullable(pci);
    }
}
