package dev.vmbox.provider.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.host.LocalPciHost;
import dev.vmbox.host.PciScanner;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.testing.SysfsFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPU passthrough checks against fixture /sys trees built with real symlinks. */
class GpuPassthroughPlannerTest {
    @TempDir
    Path root;

    GpuPassthroughPlanner planner() {
        return new GpuPassthroughPlanner(new LocalPciHost(new PciScanner(root), null, root));
    }

    /** A desktop: Intel iGPU as boot display, NVIDIA GPU + HDMI audio in their own group behind a bridge. */
    SysfsFixture desktop(String nvidiaDriver) throws Exception {
        SysfsFixture f = new SysfsFixture(root)
                .device("0000:00:00.0", "0x8086", "0x3e30", "0x060000", null, 0, false)
                .device("0000:00:01.0", "0x8086", "0x1901", "0x060400", "pcieport", 1, false)
                .device("0000:00:02.0", "0x8086", "0x3e92", "0x030000", "i915", 2, true)
                .device("0000:01:00.0", "0x10de", "0x2684", "0x030000", nvidiaDriver, 1, false)
                .device("0000:01:00.1", "0x10de", "0x22ba", "0x040300", "snd_hda_intel", 1, false);
        Files.createDirectories(root.resolve("sys/module/vfio_pci"));
        return f;
    }

    @Test
    void noneIsNothing() {
        assertEquals(List.of(), planner().plan(GpuRequest.NONE));
    }

    @Test
    void autoPassesTheWholeGroupWithoutBridges() throws Exception {
        desktop("nvidia");
        assertEquals(List.of("0000:01:00.0", "0000:01:00.1"), planner().plan(GpuRequest.AUTO));
        assertEquals(List.of("0000:01:00.0", "0000:01:00.1"), planner().plan(GpuRequest.parse("01:00.0")));
    }

    @Test
    void planFeedsTheGoldenHostdevXml() throws Exception {
        desktop("vfio-pci");
        List<String> hostdevs = planner().plan(GpuRequest.AUTO);
        assertEquals(DomainXmlTest.golden("domain-open-kvm-gpu.xml"),
                DomainXml.render(DomainXmlTest.definition(DomainXmlTest.CLOUD, VirtType.KVM, false, hostdevs)));
    }

    @Test
    void iommuOffSaysWhichKernelParameters() throws Exception {
        new SysfsFixture(root).device("0000:01:00.0", "0x10de", "0x2684", "0x030000", "nvidia", null, false);
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/cpuinfo"), "vendor_id\t: AuthenticAMD\n");
        VmboxException e = assertThrows(VmboxException.class, () -> planner().plan(GpuRequest.AUTO));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("IOMMU"), e.getMessage());
        assertTrue(e.hint().contains("amd_iommu=on iommu=pt"), e.hint());
        Files.writeString(root.resolve("proc/cpuinfo"), "vendor_id\t: GenuineIntel\n");
        e = assertThrows(VmboxException.class, () -> planner().plan(GpuRequest.AUTO));
        assertTrue(e.hint().contains("intel_iommu=on iommu=pt"), e.hint());
    }

    @Test
    void bootDisplayIsRefused() throws Exception {
        desktop("nvidia");
        VmboxException e = assertThrows(VmboxException.class, () -> planner().plan(GpuRequest.parse("0000:00:02.0")));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("boot display"), e.getMessage());
    }

    @Test
    void onlyTheBootDisplayMeansAutoFails() throws Exception {
        new SysfsFixture(root).device("0000:00:02.0", "0x8086", "0x3e92", "0x030000", "i915", 2, true);
        VmboxException e = assertThrows(VmboxException.class, () -> planner().plan(GpuRequest.AUTO));
        assertTrue(e.getMessage().contains("boot display"), e.getMessage());
    }

    @Test
    void groupSharedWithAnotherSlotIsRefusedWithAcsHint() throws Exception {
        desktop("nvidia").device("0000:02:00.0", "0x144d", "0xa808", "0x010802", "nvme", 1, false);
        VmboxException e = assertThrows(VmboxException.class, () -> planner().plan(GpuRequest.AUTO));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("0000:02:00.0") && e.getMessage().contains("nvme"), e.getMessage());
        assertTrue(e.hint().contains("ACS"), e.hint());
    }

    @Test
    void noVfioDriverMeansDriversCannotBeDetached() throws Exception {
        desktop("nvidia");
        Files.delete(root.resolve("sys/module/vfio_pci"));
        VmboxException e = assertThrows(VmboxException.class, () -> planner().plan(GpuRequest.AUTO));
        assertTrue(e.getMessage().contains("vfio-pci"), e.getMessage());
        assertTrue(e.hint().contains("modprobe vfio-pci") && e.hint().contains("vfio-pci.ids=10de:2684,10de:22ba"), e.hint());
    }

    @Test
    void aVfioModuleOnDiskIsEnoughForLibvirtToLoadIt() throws Exception {
        desktop("nvidia");
        Files.delete(root.resolve("sys/module/vfio_pci"));
        assertThrows(VmboxException.class, () -> planner().plan(GpuRequest.AUTO));
        Files.createDirectories(root.resolve("lib/modules/6.1.0-18-amd64/kernel/drivers/vfio/pci"));
        Files.writeString(root.resolve("lib/modules/6.1.0-18-amd64/kernel/drivers/vfio/pci/vfio-pci.ko.xz"), "");
        assertEquals(List.of("0000:01:00.0", "0000:01:00.1"), planner().plan(GpuRequest.AUTO));
    }

    @Test
    void severalGpusNeedAnAddress() throws Exception {
        desktop("nvidia").device("0000:03:00.0", "0x1002", "0x744c", "0x030000", "amdgpu", 5, false);
        VmboxException e = assertThrows(VmboxException.class, () -> planner().plan(GpuRequest.AUTO));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("0000:01:00.0") && e.getMessage().contains("0000:03:00.0"), e.getMessage());
        assertEquals(List.of("0000:03:00.0"), planner().plan(GpuRequest.parse("03:00.0")));
    }

    @Test
    void unknownOrNonGpuAddressIsClear() throws Exception {
        desktop("nvidia");
        VmboxException e = assertThrows(VmboxException.class, () -> planner().plan(GpuRequest.parse("0000:09:00.0")));
        assertEquals(ExitCode.NOT_FOUND, e.exitCode());
        e = assertThrows(VmboxException.class, () -> planner().plan(GpuRequest.parse("0000:01:00.1")));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
    }

    @Test
    void noGpuAtAll() throws Exception {
        new SysfsFixture(root).device("0000:00:00.0", "0x8086", "0x3e30", "0x060000", null, 0, false);
        VmboxException e = assertThrows(VmboxException.class, () -> planner().plan(GpuRequest.AUTO));
        assertTrue(e.getMessage().contains("no GPU"), e.getMessage());
    }
}
