package dev.vmbox.provider.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.host.PciDevice;
import dev.vmbox.host.PciHost;
import dev.vmbox.host.PciScanner;
import dev.vmbox.log.EventLog;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.spec.VmSpec;
import dev.vmbox.ssh.JumpHost;
import dev.vmbox.testing.E2ePrerequisites;
import dev.vmbox.testing.LocalSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote GPU planner against real parts: this machine's libvirtd reached as
 * {@code qemu+ssh://USER@127.0.0.1:PORT/system} through a real sshd the test starts, so the device listing, the
 * one-connection command string of dumps and the commands run on the host all cross a real SSH transport. This
 * machine is the "remote host", so what libvirt reports must equal what its own sysfs says.
 */
@Tag("e2e")
class NodeDevicesRealHostTest {
    @TempDir
    Path tmp;

    private final CommandRunner runner = new ZtExecCommandRunner(EventLog.NONE, Executables.fromEnvironment(System.getenv()));

    record Seen(String address, String vendorId, String deviceId, String classCode, String driver, Integer iommuGroup,
                PciDevice.BootDisplay boot) {
        static Seen of(PciDevice d) {
            return new Seen(d.address(), d.vendorId(), d.deviceId(), d.classCode(), d.driver(), d.iommuGroup(), d.boot());
        }
    }

    @Test
    void aRemoteHostsDevicesOverQemuSshAreWhatItsSysfsSays() {
        E2ePrerequisites.checkLibvirt("NodeDevicesRealHostTest", runner, List.of("virsh", "ssh"));
        try (LocalSshd host = LocalSshd.start(tmp.resolve("gpu-host"))) {
            Path calls = tmp.resolve("gpu-host-ssh.calls");
            Path ssh = host.sshCommandTrustingThis(tmp.resolve("gpu-host-ssh"), calls);
            String uri = "qemu+ssh://" + host.user() + "@127.0.0.1:" + host.port() + "/system?keyfile=" + host.clientKey()
                    + "&command=" + ssh;
            LibvirtProvider provider = new LibvirtProvider(runner, EventLog.NONE, LibvirtConfig.defaults(uri, tmp.resolve("home")),
                    image -> {
                        throw new AssertionError("no image in this test");
                    }, PassthroughPlanner.unavailable("this machine's own planner is not used for a remote URI", null),
                    Path.of("/"));
            PciHost remote = provider.remoteCapacity().orElseThrow().pciHost().orElseThrow();
            PciScanner sysfs = new PciScanner(Path.of("/"));

            List<Seen> viaLibvirt = remote.devices().stream().map(Seen::of).toList();
            assertFalse(viaLibvirt.isEmpty(), "libvirt lists this machine's PCI devices");
            assertEquals(sysfs.devices().stream().map(Seen::of).toList(), viaLibvirt);
            assertEquals(sysfs.iommuEnabled(), remote.iommuEnabled());
            assertEquals(sysfs.iommuEnabled() && Files.exists(Path.of("/dev/vfio/vfio")), remote.vfioAvailable(),
                    "libvirt offers VFIO exactly when the host has IOMMU groups and /dev/vfio/vfio");
            assertTrue(Files.readString(calls).lines().anyMatch(l -> l.contains("127.0.0.1")),
                    "virsh went through the ssh program of the URI");

            VmSpec spec = VmSpec.of("gpu-plan", 2, ByteSize.ofGiB(2), ByteSize.ofGiB(4)).withGpu(GpuRequest.AUTO);
            if (!sysfs.iommuEnabled()) {
                VmboxException e = assertThrows(VmboxException.class, () -> provider.validate(spec));
                assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
                assertTrue(e.getMessage().contains("IOMMU, which is off on 127.0.0.1"), e.getMessage());
                assertTrue(e.hint().startsWith("on 127.0.0.1: "), e.hint());
            }

            // a command on the host reaches its shell word for word, and its answer comes back in sysfs's format
            JumpHost jump = provider.config().jumpHost().orElseThrow();
            PciDevice first = sysfs.devices().get(0);
            String out = runner.run(Command.of(Duration.ofSeconds(30), jump.commandArgv(List.of("grep", "-H", ".",
                    "/sys/bus/pci/devices/" + first.address() + "/class"), Duration.ofSeconds(10)))).stdout().strip();
            assertEquals("/sys/bus/pci/devices/" + first.address() + "/class:" + first.classCode(), out);
            // no nvidia-smi on this host: unknown memory, not an error
            PciDevice fakeNvidia = new PciDevice(first.address(), "0x10de", "0x2684", "0x030000", "nvidia", 1, false,
                    "NVIDIA", "stand-in");
            assertEquals(OptionalLong.empty(), remote.gpuMemory(fakeNvidia));
            assertTrue(Files.readString(calls).contains("-- 127.0.0.1 nvidia-smi"), "asked on the host over ssh");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
