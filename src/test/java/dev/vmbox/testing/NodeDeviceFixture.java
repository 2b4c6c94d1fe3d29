package dev.vmbox.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A remote libvirt host's PCI devices for the fake virsh and fake ssh (src/test/resources/fakes/libvirt): node
 * devices written as libvirt 9's {@code nodedev-dumpxml} prints them (state/nodedev/NAME.xml), and the host's
 * sysfs files that libvirt does not show (state/hostsys/sys/bus/pci/devices/ADDR/boot_vga).
 * {@link #gpuServer()} is a typical GPU server: host bridge, a root port with an RTX 4090 and its audio function
 * in IOMMU group 1, the BMC's ASPEED chip as boot display, a network card.
 */
public final class NodeDeviceFixture {
    /** One PCI function; {@code bootVga} is "0"/"1" for VGA devices, null for others. */
    public record Dev(String address, String cls, String vendor, String vendorText, String product, String productText,
                      String driver, Integer group, String bootVga) {
        public String name() {
            return "pci_" + address.replace(':', '_').replace('.', '_');
        }
    }

    public final List<Dev> devices = new ArrayList<>();

    public static NodeDeviceFixture gpuServer() {
        NodeDeviceFixture f = new NodeDeviceFixture();
        f.devices.add(new Dev("0000:00:00.0", "0x060000", "0x8086", "Intel Corporation", "0x09a2", "Ice Lake Memory Map", null, 0, null));
        f.devices.add(new Dev("0000:00:01.0", "0x060400", "0x8086", "Intel Corporation", "0x347a", "Ice Lake PCIe Root Port",
                "pcieport", 1, null));
        f.devices.add(new Dev("0000:01:00.0", "0x030000", "0x10de", "NVIDIA Corporation", "0x2684", "AD102 [GeForce RTX 4090]",
                "nvidia", 1, "0"));
        f.devices.add(new Dev("0000:01:00.1", "0x040300", "0x10de", "NVIDIA Corporation", "0x22ba",
                "AD102 High Definition Audio Controller", "snd_hda_intel", 1, null));
        f.devices.add(new Dev("0000:02:00.0", "0x030000", "0x1a03", "ASPEED Technology, Inc.", "0x2000", "ASPEED Graphics Family",
                "ast", 2, "1"));
        f.devices.add(new Dev("0000:03:00.0", "0x020000", "0x8086", "Intel Corporation", "0x1563", "Ethernet Controller X550",
                "ixgbe", 3, null));
        return f;
    }

    /** Copies the fake virsh, qemu-img and ssh into {@code bin}; their state is {@code bin/../state}. */
    public static Path installFakes(Path bin) throws IOException {
        Files.createDirectories(bin);
        Files.createDirectories(bin.resolveSibling("state"));
        for (String fake : List.of("virsh", "qemu-img", "ssh")) {
            try (InputStream in = NodeDeviceFixture.class.getResourceAsStream("/fakes/libvirt/" + fake)) {
                Path f = bin.resolve(fake);
                Files.copy(in, f);
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        return bin.resolveSibling("state");
    }

    /** Writes the devices into the fakes' {@code state}; {@code iommu} false leaves out the IOMMU groups. */
    public void write(Path state, boolean iommu) throws IOException {
        Path dir = Files.createDirectories(state.resolve("nodedev"));
        for (Dev d : devices) {
            String[] a = d.address().split("[:.]");
            StringBuilder x = new StringBuilder("<device>\n  <name>" + d.name() + "</name>\n  <path>/sys/devices/pci0000:00/"
                    + d.address() + "</path>\n  <parent>computer</parent>\n");
            if (d.driver() != null) {
                x.append("  <driver>\n    <name>").append(d.driver()).append("</name>\n  </driver>\n");
            }
            x.append("  <capability type='pci'>\n    <class>").append(d.cls()).append("</class>\n")
                    .append("    <domain>").append(Integer.parseInt(a[0], 16)).append("</domain>\n")
                    .append("    <bus>").append(Integer.parseInt(a[1], 16)).append("</bus>\n")
                    .append("    <slot>").append(Integer.parseInt(a[2], 16)).append("</slot>\n")
                    .append("    <function>").append(Integer.parseInt(a[3], 16)).append("</function>\n")
                    .append("    <product id='").append(d.product()).append("'>").append(d.productText()).append("</product>\n")
                    .append("    <vendor id='").append(d.vendor()).append("'>").append(d.vendorText()).append("</vendor>\n");
            if (iommu && d.group() != null) {
                x.append("    <iommuGroup number='").append(d.group()).append("'>\n");
                for (Dev m : devices) {
                    if (d.group().equals(m.group())) {
                        String[] b = m.address().split("[:.]");
                        x.append(String.format(Locale.ROOT, "      <address domain='0x%s' bus='0x%s' slot='0x%s' function='0x%s'/>%n",
                                b[0], b[1], b[2], b[3]));
                    }
                }
                x.append("    </iommuGroup>\n");
            }
            x.append("    <pci-express>\n      <link validity='cap' port='0' speed='16' width='16'/>\n    </pci-express>\n")
                    .append("  </capability>\n</device>\n");
            Files.writeString(dir.resolve(d.name() + ".xml"), x.toString());
            Path sys = Files.createDirectories(state.resolve("hostsys/sys/bus/pci/devices").resolve(d.address()));
            if (d.bootVga() != null) {
                Files.writeString(sys.resolve("boot_vga"), d.bootVga() + "\n");
            }
        }
    }

    /** Devices with IOMMU groups, and libvirt offering VFIO: passthrough can go ahead. */
    public void writeReady(Path state) throws IOException {
        write(state, true);
        Files.writeString(state.resolve("vfio"), "");
    }
}
