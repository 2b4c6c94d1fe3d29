package dev.vmbox.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds fake /sys trees (PCI devices, drivers, IOMMU groups) with real symlinks, for host tests. */
public final class SysfsFixture {
    private final Path root;

    public SysfsFixture(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root.resolve("sys/bus/pci/devices"));
        Files.createDirectories(root.resolve("sys/bus/pci/drivers"));
    }

    public Path root() {
        return root;
    }

    /** Adds a device; driver and group may be null. Returns this for chaining. */
    public SysfsFixture device(String address, String vendor, String device, String cls, String driver,
                               Integer group, boolean bootVga) throws IOException {
        Path dir = root.resolve("sys/devices/pci0000:00").resolve(address);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("vendor"), vendor + "\n");
        Files.writeString(dir.resolve("device"), device + "\n");
        Files.writeString(dir.resolve("class"), cls + "\n");
        if (cls.startsWith("0x03")) {
            Files.writeString(dir.resolve("boot_vga"), (bootVga ? "1" : "0") + "\n");
        }
        if (driver != null) {
            Path drv = root.resolve("sys/bus/pci/drivers").resolve(driver);
            Files.createDirectories(drv);
            Files.createSymbolicLink(dir.resolve("driver"), dir.relativize(drv));
        }
        if (group != null) {
            Path g = root.resolve("sys/kernel/iommu_groups").resolve(group.toString());
            Files.createDirectories(g.resolve("devices"));
            Files.createSymbolicLink(dir.resolve("iommu_group"), dir.relativize(g));
            Files.createSymbolicLink(g.resolve("devices").resolve(address), g.resolve("devices").relativize(dir));
        }
        Path link = root.resolve("sys/bus/pci/devices").resolve(address);
        Files.createSymbolicLink(link, link.getParent().relativize(dir));
        return this;
    }

    public SysfsFixture cpuinfo(String flags) throws IOException {
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/cpuinfo"), "processor\t: 0\nflags\t\t: " + flags + "\n\n");
        return this;
    }
}
