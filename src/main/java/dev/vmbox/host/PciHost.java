package dev.vmbox.host;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The machine whose PCI devices a VM would get: this one (read from its sysfs), or a remote libvirt host (read
 * through libvirt's node devices). GPU passthrough is planned and sized from it, so the same checks and the
 * same messages hold wherever the VM runs.
 */
public interface PciHost {
    /** For messages: "this host", or the remote host's name. */
    String name();

    /** True when the devices are another machine's: fixes are commands to run there. */
    boolean remote();

    /** Every PCI function, sorted by address; empty where no PCI bus is visible. */
    List<PciDevice> devices();

    /** True when the kernel has IOMMU groups: the IOMMU is on and usable for passthrough. */
    boolean iommuEnabled();

    /** Every device in the group (bridges included), sorted by address. */
    List<PciDevice> iommuGroupMembers(int group);

    /** Whether libvirt can hand devices to vfio-pci (the driver is present or loadable). */
    boolean vfioAvailable();

    /** True for AMD processors (whose IOMMU is enabled with amd_iommu=on rather than intel_iommu=on). */
    boolean amdCpu();

    /** The GPU's memory where the host can tell. */
    OptionalLong gpuMemory(PciDevice gpu);

    /** Why the boot display could not be told, when some device's is {@link PciDevice.BootDisplay#UNKNOWN}. */
    default Optional<String> bootDisplayUnreadable() {
        return Optional.empty();
    }

    default List<PciDevice> gpus() {
        return devices().stream().filter(PciDevice::isGpu).toList();
    }

    default Optional<PciDevice> find(String address) {
        String wanted = PciScanner.normalise(address);
        return devices().stream().filter(d -> d.address().equals(wanted)).findFirst();
    }

    /** "on this host" or "on gpu1", for messages. */
    default String where() {
        return remote() ? "on " + name() : "on this host";
    }

    /** Prefix of a fix: nothing here, "on gpu1: " for a remote host. */
    default String fixPrefix() {
        return remote() ? "on " + name() + ": " : "";
    }
}
