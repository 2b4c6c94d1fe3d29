package dev.vmbox.provider.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.host.PciDevice;
import dev.vmbox.host.PciHost;
import dev.vmbox.provider.CreatePlanRunner;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.testing.NodeDeviceFixture;
import dev.vmbox.testing.NodeDeviceFixture.Dev;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GPU passthrough on a remote libvirt host, against the fake virsh (node devices as libvirt 9 prints them, one
 * command string for all dumps) and a fake ssh that answers from the host's fixture sysfs: the same checks as on
 * this machine, each failure naming the host and where to fix it, and the plan reaching the domain's hostdevs.
 */
class LibvirtRemoteGpuContractTest extends FakeLibvirtHost {
    static final String URI = "qemu+ssh://admin@gpu1:2222/system?keyfile=/keys/id_gpu1";

    NodeDeviceFixture host;
    List<Dev> devices;

    @BeforeEach
    void server() {
        host = NodeDeviceFixture.gpuServer();
        devices = host.devices;
    }

    void write(boolean iommu) throws IOException {
        host.write(state, iommu);
    }

    void ready() throws IOException {
        host.writeReady(state);
    }

    @Test
    void autoPassesTheRemoteGpuWithItsAudioAndTheDomainGetsThem() throws IOException {
        ready();
        LibvirtProvider p = provider(URI);
        create(p, spec("g").withGpu(GpuRequest.AUTO), seedDir, Duration.ofMinutes(1));
        String xml = domainXml("vmbox-g");
        assertEquals(2, xml.split("<hostdev managed=\"yes\" mode=\"subsystem\" type=\"pci\">", -1).length - 1, xml);
        assertTrue(xml.contains("<address bus=\"0x01\" domain=\"0x0000\" function=\"0x0\" slot=\"0x00\"/>"), xml);
        assertTrue(xml.contains("<address bus=\"0x01\" domain=\"0x0000\" function=\"0x1\" slot=\"0x00\"/>"), xml);
        assertFalse(xml.contains("bus=\"0x02\""), "never the boot display: " + xml);
        String c = calls();
        assertEquals(1, c.lines().filter(l -> l.contains(" nodedev-list --cap pci")).count(), c);
        assertEquals(1, c.lines().filter(l -> l.startsWith("virsh -q -c " + URI + " capabilities; domcapabilities; nodedev-dumpxml "))
                .count(), "one connection for all the dumps: " + c);
        String ssh = c.lines().filter(l -> l.startsWith("ssh ")).findFirst().orElseThrow();
        assertTrue(ssh.contains("-p 2222 -l admin -o IdentityFile=\"/keys/id_gpu1\" -T -n -e none -o BatchMode=yes -o StrictHostKeyChecking=yes"), ssh);
        assertTrue(ssh.endsWith("-- gpu1 grep -H . /proc/sys/kernel/ostype /sys/bus/pci/devices/0000:01:00.0/boot_vga "
                + "/sys/bus/pci/devices/0000:02:00.0/boot_vga"), ssh);
        assertEquals(1, c.lines().filter(l -> l.startsWith("ssh ")).count(), "devices are read once per run: " + c);
    }

    @Test
    void theRemoteBootDisplayIsRefusedAndNamed() throws IOException {
        ready();
        VmboxException e = assertThrows(VmboxException.class,
                () -> provider(URI).validate(spec("g").withGpu(GpuRequest.parse("02:00.0"))));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("0000:02:00.0") && e.getMessage().contains("boot display on gpu1"), e.getMessage());
    }

    @Test
    void aBootDisplayThatCannotBeReadIsNeverChosen() throws IOException {
        ready();
        Files.writeString(state.resolve("ssh-mode"), "refused");
        VmboxException e = assertThrows(VmboxException.class, () -> provider(URI).validate(spec("g").withGpu(GpuRequest.AUTO)));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("cannot tell whether") && e.getMessage().contains("on gpu1")
                && e.getMessage().contains("Permission denied (publickey)"), e.getMessage());
        assertTrue(e.hint().contains("run commands over ssh on gpu1"), e.hint());
    }

    @Test
    void anAccountLimitedToAForcedCommandIsToldApartAndAskedOnce() throws IOException {
        ready();
        Files.writeString(state.resolve("nvidia-smi.out"), "00000000:01:00.0, 24564\n");
        Files.writeString(state.resolve("ssh-mode"), "forced");
        NodeDevices d = devices();
        VmboxException e = assertThrows(VmboxException.class, () -> new GpuPassthroughPlanner(d).plan(GpuRequest.AUTO));
        assertTrue(e.getMessage().contains("did not run vmbox's command") && e.getMessage().contains("forced command"),
                e.getMessage());
        assertEquals(OptionalLong.empty(), d.gpuMemory(d.find("01:00.0").orElseThrow()));
        assertEquals(1, calls().lines().filter(l -> l.startsWith("ssh ")).count(), "no second wait for nvidia-smi: " + calls());
    }

    @Test
    void aHostWhoseLibvirtListsNoDevicesIsNotToldToEnableItsIommu() throws IOException {
        VmboxException e = assertThrows(VmboxException.class, () -> provider(URI).validate(spec("g").withGpu(GpuRequest.AUTO)));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("lists no PCI devices"), e.getMessage());
    }

    @Test
    void capabilitiesThatCannotBeReadAreAnErrorNotAMissingVfio() throws IOException {
        ready();
        Files.writeString(state.resolve("no-domcaps"), "");
        VmboxException e = assertThrows(VmboxException.class, () -> provider(URI).validate(spec("g").withGpu(GpuRequest.AUTO)));
        assertTrue(e.getMessage().contains("did not describe its capabilities"), e.getMessage());
        assertFalse(e.getMessage().contains("vfio"), e.getMessage());
    }

    @Test
    void aGroupMemberLibvirtDidNotDescribeIsRefused() throws IOException {
        ready();
        Files.delete(state.resolve("nodedev/pci_0000_01_00_1.xml"));
        VmboxException e = assertThrows(VmboxException.class, () -> provider(URI).validate(spec("g").withGpu(GpuRequest.AUTO)));
        assertTrue(e.getMessage().contains("IOMMU group 1 on gpu1 holds 0000:01:00.1, which libvirt did not describe"),
                e.getMessage());
    }

    @Test
    void aDatacenterGpuNeedsNoBootDisplayCheck() throws IOException {
        devices.set(2, new Dev("0000:01:00.0", "0x030200", "0x10de", "NVIDIA Corporation", "0x20b5", "GA100 [A100 PCIe 80GB]",
                "vfio-pci", 1, null));
        devices.remove(3);
        ready();
        Files.writeString(state.resolve("ssh-mode"), "refused");
        assertEquals(List.of("0000:01:00.0"), new GpuPassthroughPlanner(devices()).plan(GpuRequest.AUTO),
                "a 3D controller has no boot_vga; the unreadable ASPEED is simply not a candidate");
    }

    @Test
    void iommuOffNamesTheHostAndItsKernelParameters() throws IOException {
        write(false);
        Files.writeString(state.resolve("host-amd"), "");
        VmboxException e = assertThrows(VmboxException.class, () -> provider(URI).validate(spec("g").withGpu(GpuRequest.AUTO)));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("IOMMU, which is off on gpu1"), e.getMessage());
        assertTrue(e.hint().startsWith("on gpu1: enable AMD-Vi") && e.hint().contains("amd_iommu=on iommu=pt"), e.hint());
    }

    @Test
    void withoutVfioOnTheHostLibvirtCannotDetachTheDrivers() throws IOException {
        write(true);
        VmboxException e = assertThrows(VmboxException.class, () -> provider(URI).validate(spec("g").withGpu(GpuRequest.AUTO)));
        assertTrue(e.getMessage().contains("vfio-pci driver is not available on gpu1"), e.getMessage());
        assertTrue(e.hint().startsWith("on gpu1: load it: sudo modprobe vfio-pci") && e.hint().contains("10de:2684,10de:22ba"), e.hint());
    }

    @Test
    void aGroupSharedWithTheNetworkCardIsRefused() throws IOException {
        devices.set(5, new Dev("0000:03:00.0", "0x020000", "0x8086", "Intel Corporation", "0x1563", "Ethernet Controller X550",
                "ixgbe", 1, null));
        ready();
        VmboxException e = assertThrows(VmboxException.class,
                () -> provider(URI).validate(spec("g").withGpu(GpuRequest.parse("0000:01:00.0"))));
        assertTrue(e.getMessage().contains("shares IOMMU group 1 with 0000:03:00.0 (Intel Ethernet Controller X550, driver ixgbe)"),
                e.getMessage());
        assertTrue(e.hint().startsWith("on gpu1: move the GPU"), e.hint());
    }

    @Test
    void aDeviceThatVanishesBetweenListAndDumpIsLeftOut() throws IOException {
        ready();
        Files.writeString(state.resolve("nodedev-vanishing"), "pci_0000_ff_1f_7\n");
        NodeDevices d = devices();
        assertEquals(List.of("0000:01:00.0", "0000:01:00.1"), new GpuPassthroughPlanner(d).plan(GpuRequest.AUTO),
                "virsh exits 1 after the last dump failed; the others are used");
        assertTrue(calls().contains("nodedev-dumpxml pci_0000_ff_1f_7"), calls());
        assertEquals(6, d.devices().size());
    }

    @Test
    void gpuMemoryComesFromNvidiaSmiOrAmdSysfsOnTheHost() throws IOException {
        devices.add(new Dev("0000:04:00.0", "0x030000", "0x1002", "Advanced Micro Devices, Inc. [AMD/ATI]", "0x744c",
                "Navi 31 [Radeon RX 7900 XT/7900 XTX]", "amdgpu", 4, "0"));
        ready();
        Files.writeString(state.resolve("hostsys/sys/bus/pci/devices/0000:04:00.0/mem_info_vram_total"), "25753026560\n");
        Files.writeString(state.resolve("nvidia-smi.out"), "00000000:01:00.0, 24564\n");
        PciHost host = provider(URI).remoteCapacity().orElseThrow().pciHost().orElseThrow();
        PciDevice nvidia = host.find("01:00.0").orElseThrow();
        PciDevice amd = host.find("04:00.0").orElseThrow();
        assertEquals(OptionalLong.of(24564L * 1024 * 1024), host.gpuMemory(nvidia));
        assertEquals(OptionalLong.of(25753026560L), host.gpuMemory(amd));
        assertEquals("NVIDIA", nvidia.vendorName());
        assertEquals("AD102 [GeForce RTX 4090]", nvidia.description());
        assertTrue(host.find("02:00.0").orElseThrow().bootVga());
        assertFalse(amd.mayBeBootDisplay());
        assertTrue(calls().contains("-- gpu1 nvidia-smi --query-gpu=pci.bus_id,memory.total --format=csv,noheader,nounits"), calls());
    }

    @Test
    void thePlanListsTheRemoteDevicesOnceReadAndReadsNothingItself() throws IOException {
        ready();
        LibvirtProvider p = provider(URI);
        String unread = String.join("\n", CreatePlanRunner.describe(p.createPlan(spec("dry").withGpu(GpuRequest.AUTO),
                SeedFiles.in(seedDir), Duration.ofMinutes(1))));
        assertEquals("", calls(), "a plan (a dry run) reads nothing on the host: " + calls());
        assertTrue(unread.contains("chosen from the libvirt host's node devices"), unread);
        p.validate(spec("dry").withGpu(GpuRequest.AUTO)); // what a create reads before its plan (sizing reads the same)
        String all = String.join("\n", CreatePlanRunner.describe(p.createPlan(spec("dry").withGpu(GpuRequest.AUTO),
                SeedFiles.in(seedDir), Duration.ofMinutes(1))));
        assertTrue(all.contains("# PCI device 0000:01:00.0 of the libvirt host passed through"), all);
        assertTrue(all.contains("# PCI device 0000:01:00.1 of the libvirt host passed through"), all);
    }

    @Test
    void noGpuRequestReadsNoDevices() throws IOException {
        ready();
        create(provider(URI), spec("plain"), seedDir, Duration.ofMinutes(1));
        provider(URI).remoteCapacity().orElseThrow();
        assertFalse(calls().contains("nodedev"), calls());
        assertFalse(calls().lines().anyMatch(l -> l.startsWith("ssh ")), calls());
    }

    NodeDevices devices() {
        LibvirtProvider p = provider(URI);
        return (NodeDevices) p.remoteCapacity().orElseThrow().pciHost().orElseThrow();
    }
}
