package dev.vmbox.app.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.app.doctor.Check.Status;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.ProviderProbe;
import dev.vmbox.provider.lima.LimaProbe;
import dev.vmbox.provider.multipass.MultipassProbe;
import dev.vmbox.testing.FakeBin;
import dev.vmbox.testing.SysfsFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Doctor on fixture /sys trees and fake provider programs. */
class DoctorTest {
    @TempDir
    Path tmp;

    private DoctorReport run(SysfsFixture sys, FakeBin bin) {
        Executables ex = new Executables(bin.path());
        CommandRunner runner = new ZtExecCommandRunner(EventLog.NONE, ex);
        List<ProviderProbe> probes = List.of(new LimaProbe(runner, ex), new MultipassProbe(runner, ex));
        return new Doctor(probes, sys.root(), "Linux", ex, runner, tmp).run();
    }

    private static Check find(DoctorReport r, String name) {
        return r.checks().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + name + " in " + r.checks()));
    }

    @Test
    void iommuOffAndNoKvmAreExplained() throws Exception {
        SysfsFixture sys = new SysfsFixture(tmp.resolve("root"))
                .device("0000:01:00.0", "0x10de", "0x2684", "0x030000", "nvidia", null, false)
                .cpuinfo("fpu sse2 hypervisor");
        DoctorReport r = run(sys, new FakeBin(tmp.resolve("bin")));
        assertEquals(Status.INFO, find(r, "IOMMU").status());
        assertTrue(find(r, "IOMMU").hint().contains("intel_iommu=on"));
        Check gpu = find(r, "0000:01:00.0");
        assertEquals(Status.PROBLEM, gpu.status());
        assertTrue(gpu.detail().contains("not in an IOMMU group"), gpu.detail());
        Check kvm = find(r, "/dev/kvm");
        assertEquals(Status.PROBLEM, kvm.status());
        assertTrue(kvm.detail().contains("software emulation"), kvm.detail());
        assertEquals(Status.MISSING, find(r, "lima").status());
        assertEquals(Status.MISSING, find(r, "multipass").status());
        assertTrue(r.usableProviders().isEmpty());
    }

    @Test
    void gpuSharingItsGroupWithAnotherDeviceIsAProblem() throws Exception {
        SysfsFixture sys = new SysfsFixture(tmp.resolve("root"))
                .device("0000:00:01.0", "0x8086", "0x1901", "0x060400", "pcieport", 1, false)
                .device("0000:01:00.0", "0x10de", "0x2684", "0x030000", "nvidia", 1, false)
                .device("0000:01:00.1", "0x10de", "0x22ba", "0x040300", "snd_hda_intel", 1, false)
                .device("0000:02:00.0", "0x8086", "0x15f3", "0x020000", "igc", 1, false);
        DoctorReport r = run(sys, new FakeBin(tmp.resolve("bin")));
        assertEquals(Status.OK, find(r, "IOMMU").status());
        Check gpu = find(r, "0000:01:00.0");
        assertEquals(Status.PROBLEM, gpu.status());
        assertTrue(gpu.detail().contains("0000:02:00.0") && gpu.detail().contains("Ethernet"), gpu.detail());
        assertTrue(!gpu.detail().contains("0000:00:01.0"), "bridges are not counted: " + gpu.detail());
        assertTrue(gpu.hint().contains("slot"));
    }

    @Test
    void gpuBoundToVfioInItsOwnGroupIsReady() throws Exception {
        SysfsFixture sys = new SysfsFixture(tmp.resolve("root"))
                .device("0000:00:02.0", "0x8086", "0x3e92", "0x030000", "i915", 0, true)
                .device("0000:01:00.0", "0x10de", "0x2684", "0x030000", "vfio-pci", 12, false)
                .device("0000:01:00.1", "0x10de", "0x22ba", "0x040300", "vfio-pci", 12, false);
        DoctorReport r = run(sys, new FakeBin(tmp.resolve("bin")));
        Check gpu = find(r, "0000:01:00.0");
        assertEquals(Status.OK, gpu.status(), gpu.toString());
        assertTrue(gpu.detail().contains("vfio-pci") && gpu.detail().contains("0000:01:00.1"), gpu.detail());
        Check igpu = find(r, "0000:00:02.0");
        assertEquals(Status.PROBLEM, igpu.status());
        assertTrue(igpu.detail().contains("boot display"), igpu.detail());
    }

    @Test
    void usableKvmWithVendorFlag() throws Exception {
        SysfsFixture sys = new SysfsFixture(tmp.resolve("root")).cpuinfo("fpu vmx sse2");
        Files.createDirectories(sys.root().resolve("dev"));
        Files.writeString(sys.root().resolve("dev/kvm"), "");
        DoctorReport r = run(sys, new FakeBin(tmp.resolve("bin")));
        assertEquals(Status.OK, find(r, "/dev/kvm").status());
    }

    @Test
    void pvmOnlyKvmIsNotUsable() throws Exception {
        SysfsFixture sys = new SysfsFixture(tmp.resolve("root")).cpuinfo("fpu sse2 hypervisor");
        Files.createDirectories(sys.root().resolve("dev"));
        Files.writeString(sys.root().resolve("dev/kvm"), "");
        Files.createDirectories(sys.root().resolve("sys/module/kvm_pvm"));
        Check kvm = find(run(sys, new FakeBin(tmp.resolve("bin"))), "/dev/kvm");
        assertEquals(Status.PROBLEM, kvm.status());
        assertTrue(kvm.detail().contains("PVM"), kvm.detail());
    }

    @Test
    void providersThatAnswerAreUsableAndADownDaemonIsAProblem() throws Exception {
        FakeBin bin = new FakeBin(tmp.resolve("bin"))
                .script("limactl", "case \"$1\" in --version) echo 'limactl version 2.2.0';; list) exit 0;; esac")
                // the daemon is down: the client still prints its own version (exit 0); what needs the daemon fails
                .script("multipass", "case \"$1\" in version) echo '{\"multipass\":\"1.16.3\"}';; "
                        + "*) echo \"$1 failed: cannot connect to the multipass socket\" >&2; exit 2;; esac");
        DoctorReport r = run(new SysfsFixture(tmp.resolve("root")), bin);
        assertEquals(Status.OK, find(r, "lima").status());
        assertEquals("2.2.0", r.providers().get(0).version());
        Check mp = find(r, "multipass");
        assertEquals(Status.PROBLEM, mp.status());
        assertTrue(mp.detail().contains("multipassd is not answering"), mp.detail());
        assertEquals(List.of("lima"), r.usableProviders());

        bin.script("multipass", "echo 'cannot connect to the multipass socket' >&2; exit 3");
        assertEquals(Status.PROBLEM, find(run(new SysfsFixture(tmp.resolve("root2")), bin), "multipass").status());
        bin.script("multipass", "case \"$1\" in version) echo '{\"multipass\":\"1.16.3\",\"multipassd\":\"1.16.3\"}';; "
                + "list) echo '{\"list\": []}';; esac");
        assertEquals(Status.OK, find(run(new SysfsFixture(tmp.resolve("root3")), bin), "multipass").status());
        bin.script("multipass", "echo 'garbage{'");
        Check garbage = find(run(new SysfsFixture(tmp.resolve("root4")), bin), "multipass");
        assertEquals(Status.PROBLEM, garbage.status());
    }

    @Test
    void missingToolsComeWithInstallHints() throws Exception {
        DoctorReport r = run(new SysfsFixture(tmp.resolve("root")), new FakeBin(tmp.resolve("bin")));
        Check qemuImg = find(r, "qemu-img");
        assertEquals(Status.MISSING, qemuImg.status());
        assertTrue(qemuImg.hint().contains("qemu-utils"));
        assertEquals(Status.MISSING, find(r, "cloud-localds").status());
    }

    @Test
    void anotherIsoToolDoesNotStandInForCloudLocalds() throws Exception {
        FakeBin bin = new FakeBin(tmp.resolve("bin")).script("xorriso", "exit 0");
        DoctorReport r = run(new SysfsFixture(tmp.resolve("root")), bin);
        Check seed = find(r, "cloud-localds");
        assertEquals(Status.MISSING, seed.status(), seed.toString());
        assertTrue(seed.hint().contains("cloud-image-utils"), seed.hint());
        assertTrue(r.checks().stream().noneMatch(c -> c.status() == Status.OK && c.detail().contains("xorriso")),
                "xorriso is never reported as the seed maker: " + r.checks());
    }

    @Test
    void cloudLocaldsWithoutTheGenisoimageItRunsIsAProblem() throws Exception {
        FakeBin bin = new FakeBin(tmp.resolve("bin")).script("cloud-localds", "exit 0");
        Check seed = find(run(new SysfsFixture(tmp.resolve("root")), bin), "cloud-localds");
        assertEquals(Status.PROBLEM, seed.status(), seed.toString());
        assertTrue(seed.hint().contains("genisoimage"), seed.hint());

        bin.script("genisoimage", "exit 0");
        assertEquals(Status.OK, find(run(new SysfsFixture(tmp.resolve("root2")), bin), "cloud-localds").status());
    }

    @Test
    void everyToolLibvirtCreateRunsHasARowWithItsInstallHint() throws Exception {
        DoctorReport r = run(new SysfsFixture(tmp.resolve("root")), new FakeBin(tmp.resolve("bin")));
        for (String tool : List.of("virsh", "qemu-img", "cloud-localds", "ssh", "ssh-keygen")) {
            Check c = find(r, tool);
            assertEquals(Status.MISSING, c.status(), c.toString());
            assertTrue(c.hint() != null && c.hint().startsWith("install "), c.toString());
        }
        assertTrue(r.checks().stream().noneMatch(c -> c.name().equals("seed image maker")), r.checks().toString());
    }
}
