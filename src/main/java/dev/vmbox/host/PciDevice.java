package dev.vmbox.host;

import java.util.Map;

/**
 * One PCI function of a host, as its kernel shows it under /sys/bus/pci/devices (read here from sysfs, or on a
 * remote libvirt host from its node devices).
 *
 * @param address     domain:bus:device.function, e.g. 0000:01:00.0
 * @param vendorId    e.g. 0x10de
 * @param deviceId    e.g. 0x2684
 * @param classCode   e.g. 0x030000 (VGA), 0x030200 (3D), 0x040300 (audio), 0x060400 (PCI bridge)
 * @param driver      the bound kernel driver (nvidia, amdgpu, vfio-pci ...), or null when unbound
 * @param iommuGroup  the IOMMU group number, or null when the IOMMU is off
 * @param boot        whether the firmware used it as the boot display (UNKNOWN where that could not be read)
 * @param vendorName  a readable vendor name ("NVIDIA"), or the id
 * @param description a readable device name when known, else the class name
 */
public record PciDevice(String address, String vendorId, String deviceId, String classCode, String driver,
                        Integer iommuGroup, BootDisplay boot, String vendorName, String description) {
    private static final Map<String, String> VENDORS = Map.of(
            "0x10de", "NVIDIA", "0x1002", "AMD", "0x8086", "Intel", "0x1af4", "Red Hat (virtio)",
            "0x1234", "QEMU", "0x1b36", "Red Hat (QEMU)", "0x15ad", "VMware", "0x1414", "Microsoft",
            "0x106b", "Apple", "0x1a03", "ASPEED");

    /** Whether the firmware drew its boot screen on the device (the kernel's {@code boot_vga}). */
    public enum BootDisplay {
        YES,
        NO,
        /** Not readable (a remote host that would not say): treated as "may be" wherever it matters. */
        UNKNOWN
    }

    public PciDevice {
        boot = boot == null ? BootDisplay.UNKNOWN : boot;
    }

    public PciDevice(String address, String vendorId, String deviceId, String classCode, String driver,
                     Integer iommuGroup, boolean bootVga, String vendorName, String description) {
        this(address, vendorId, deviceId, classCode, driver, iommuGroup, bootVga ? BootDisplay.YES : BootDisplay.NO,
                vendorName, description);
    }

    /** The firmware's boot display, as far as known. */
    public boolean bootVga() {
        return boot == BootDisplay.YES;
    }

    /** The boot display, or a VGA device whose {@code boot_vga} could not be read: never chosen on a guess. */
    public boolean mayBeBootDisplay() {
        return boot != BootDisplay.NO;
    }

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

    /** VGA-compatible (0x0300xx): the only class the kernel gives a {@code boot_vga} attribute. */
    public boolean isVga() {
        return (classValue() >> 8) == 0x0300;
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

    /** A readable name for well-known vendor ids ({@code 0x10de}: NVIDIA), else the id itself. */
    public static String vendorName(String vendorId) {
        return VENDORS.getOrDefault(vendorId, vendorId);
    }

    /** A readable name of a PCI class code ({@code 0x030000}: VGA compatible controller). */
    public static String className(String cls) {
        int v;
        try {
            v = Integer.decode(cls);
        } catch (RuntimeException e) {
            return "PCI device";
        }
        return switch (v >> 8) {
            case 0x0300 -> "VGA compatible controller";
            case 0x0301 -> "XGA controller";
            case 0x0302 -> "3D controller";
            case 0x0380 -> "Display controller";
            case 0x0403 -> "Audio device";
            case 0x0600 -> "Host bridge";
            case 0x0604 -> "PCI bridge";
            case 0x0c03 -> "USB controller";
            case 0x0200 -> "Ethernet controller";
            case 0x0108 -> "NVMe controller";
            default -> "PCI device (class " + cls + ")";
        };
    }
}
