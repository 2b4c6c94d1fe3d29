package dev.vmbox.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.testing.SysfsFixture;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PciScannerTest {
    @TempDir
    Path tmp;

    @Test
    void readsGpusDriversAndGroups() throws Exception {
        new SysfsFixture(tmp)
                .device("0000:00:00.0", "0x8086", "0x3e30", "0x060000", null, 0, false)
                .device("0000:00:02.0", "0x8086", "0x3e92", "0x030000", "i915", 1, true)
                .device("0000:01:00.0", "0x10de", "0x2684", "0x030000", "vfio-pci", 12, false)
                .device("0000:01:00.1", "0x10de", "0x22ba", "0x040300", "vfio-pci", 12, false);
        PciScanner s = new PciScanner(tmp);
        assertTrue(s.iommuEnabled());
        List<PciDevice> gpus = s.gpus();
        assertEquals(2, gpus.size());
        PciDevice igpu = gpus.get(0);
        assertTrue(igpu.bootVga());
        assertEquals("i915", igpu.driver());
        PciDevice nv = s.find("01:00.0").orElseThrow();
        assertEquals("NVIDIA", nv.vendorName());
        assertEquals(12, nv.iommuGroup());
        assertEquals("vfio-pci", nv.driver());
        assertEquals(List.of("0000:01:00.0", "0000:01:00.1"),
                s.iommuGroupMembers(12).stream().map(PciDevice::address).toList());
        assertTrue(s.find("0000:01:00.1").orElseThrow().isAudioFunction());
        assertTrue(s.find("0000:00:00.0").orElseThrow().isBridge());
    }

    @Test
    void iommuOffMeansNoGroups() throws Exception {
        new SysfsFixture(tmp).device("0000:01:00.0", "0x10de", "0x2684", "0x030200", "nvidia", null, false);
        PciScanner s = new PciScanner(tmp);
        assertFalse(s.iommuEnabled());
        PciDevice d = s.gpus().get(0);
        assertNull(d.iommuGroup());
        assertEquals("3D controller", d.description());
    }

    @Test
    void aVgaDeviceWhoseBootVgaCannotBeReadMayBeTheBootDisplay() throws Exception {
        new SysfsFixture(tmp)
                .device("0000:01:00.0", "0x10de", "0x2684", "0x030000", "nvidia", 1, false)
                .device("0000:02:00.0", "0x10de", "0x20b5", "0x030200", "nvidia", 2, false);
        java.nio.file.Files.delete(tmp.resolve("sys/devices/pci0000:00/0000:01:00.0/boot_vga"));
        PciScanner s = new PciScanner(tmp);
        assertEquals(PciDevice.BootDisplay.UNKNOWN, s.find("01:00.0").orElseThrow().boot());
        assertTrue(s.find("01:00.0").orElseThrow().mayBeBootDisplay());
        assertEquals(PciDevice.BootDisplay.NO, s.find("02:00.0").orElseThrow().boot(), "a 3D controller has no boot_vga");
    }

    @Test
    void missingSysIsEmptyNotAnError() {
        PciScanner s = new PciScanner(tmp.resolve("nothing"));
        assertTrue(s.devices().isEmpty());
        assertFalse(s.iommuEnabled());
    }
}
