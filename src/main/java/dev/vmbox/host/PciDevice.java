package dev.vmbox.host;

/**
 * One PCI function as the kernel shows it under /sys/bus/pci/devices.
 *
 * @param address     domain:bus:device.function, e.g. 0000:01:00.0
 * @param vendorId    e.g. 0x10de
 * @param deviceId    e.g. 0x2684
 * @param classCode   e.g. 0x030000 (VGA), 0x030200 (3D), 0x040300 (audio), 0x060400 (PCI bridge)
 * @param driver      the bound kernel driver (nvidia, amdgpu, vfio-pci ...), or null when unbound
 * @param iommuGroup  the IOMMU group number, or null when the IOMMU is off
 * @param bootVga     true for the device the firmware used as the boot display
 * @param vendorName  a readable vendor name ("NVIDIA"), or the id
 * @param description a readable device name when pci.ids knows it, else the class name
 */
public record PciDevice(String address, String vendorId, String deviceId, String classCode, String driver,
                        Integer iommuGroup, boolean bootVga, String vendorName, String description) {

    private int classValue() {
        try {
            return Integer.decode(classCode);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Display controllers: VGA, XGA, 3D and other (base class 0x03). */
    public boolean isGpu() {
        return (classValue() >> 16) == 0x03;
    }

    /** Bridges (base class 0x06): host, ISA, PCI-to-PCI... never passed through. */
    public boolean isBridge() {
        return (classValue() >> 16) == 0x06;
    }

    /** Audio devices (0x0403xx), typically the HDMI audio function of a GPU. */
    public boolean isAudioFunction() {
        return (classValue() >> 8) == 0x0403;
    }

    /** The slot without the function (0000:01:00), shared by a GPU and its audio function. */
    public String slot() {
        int dot = address.lastIndexOf('.');
        return dot < 0 ? address : address.substring(0, dot);
    }
}
