package dev.vmbox.provider.lima;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.Availability;
import dev.vmbox.provider.CreatePlan;
import dev.vmbox.provider.CreatePlanRunner;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.provider.SeedFixture;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.provider.StopMode;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.spec.VmSpec;
import dev.vmbox.testing.FakeBin;
import dev.vmbox.testing.FakeProviders;
import dev.vmbox.wait.Deadline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LimaProvider against the fake limactl (src/test/resources/fakes/limactl), through real processes. */
class LimaProviderContractTest {
    private static final Duration T = Duration.ofSeconds(20);
    private static final HostPlatform LINUX = new HostPlatform("Linux", "amd64");

    @TempDir
    Path tmp;
    FakeProviders fakes;
    LimaProvider lima;
    Path seed;
    VmSpec spec = VmSpec.of("llm", 2, ByteSize.ofGiB(4), ByteSize.ofGiB(20));

    @BeforeEach
    void setUp() {
        fakes = FakeProviders.install(tmp);
        lima = new LimaProvider(fakes.runner(), fakes.executables(), EventLog.NONE, LINUX);
        seed = SeedFixture.write(tmp);
    }

    @Test
    void fullLifecycle() {
        fakes.limaFaults(Map.of("ssh_port", 42022));
        assertEquals(VmState.NOT_CREATED, lima.inspect("llm").state());
        create(lima, spec, seed, T);

        String expected = LimaYamlWriter.write(LimaTemplate.build(spec, SeedFixture.userData(), LINUX));
        assertEquals(expected, fakes.limaYamlOf("vmbox-llm"), "the lima.yaml reaches limactl on stdin, unchanged");
        for (List<String> call : fakes.limaCalls()) {
            assertTrue(call.contains("--tty=false"), "every call is non-interactive: " + call);
            assertFalse(call.stream().anyMatch(a -> a.contains("PRIVATE KEY")), "no secret in argv: " + call);
        }
        assertTrue(fakes.limaCalls().stream().anyMatch(c -> c.get(0).equals("create")
                && c.contains("--name=vmbox-llm") && c.contains("-")));
        assertTrue(fakes.limaCalls().stream().anyMatch(c -> c.get(0).equals("start")
                && c.stream().anyMatch(a -> a.matches("--timeout=\\d+s"))));

        assertEquals(VmState.RUNNING, lima.inspect("llm").state());
        assertEquals(Optional.of(new SshEndpoint("127.0.0.1", 42022)), lima.sshEndpoint("llm"));
        assertEquals(List.of(new VmStatus("llm", "lima", VmState.RUNNING, List.of())), lima.list());

        lima.stop("llm", StopMode.GRACEFUL, T);
        assertEquals(VmState.STOPPED, lima.inspect("llm").state());
        assertEquals(Optional.empty(), lima.sshEndpoint("llm"));
        lima.stop("llm", StopMode.GRACEFUL, T);

        lima.start("llm", T);
        assertEquals(VmState.RUNNING, lima.inspect("llm").state());
        lima.start("llm", T);
        lima.stop("llm", StopMode.FORCE, T);
        assertTrue(fakes.limaCalls().stream().anyMatch(c -> c.get(0).equals("stop") && c.contains("--force")));

        lima.delete("llm", T);
        assertEquals(VmState.NOT_CREATED, lima.inspect("llm").state());
        assertEquals(List.of(), fakes.limaInstances());
        lima.delete("llm", T);
    }

    @Test
    void autostartIsLimasStartAtLogin() {
        create(lima, spec, seed, T);
        assertTrue(lima.setAutostart("llm", true, T).contains("limactl start-at-login"));
        assertTrue(fakes.limaCalls().contains(List.of("start-at-login", "--tty=false", "--enabled=true", "vmbox-llm")),
                fakes.limaCalls().toString());
        lima.setAutostart("llm", false, T);
        assertTrue(fakes.limaCalls().contains(List.of("start-at-login", "--tty=false", "--enabled=false", "vmbox-llm")));
        lima.delete("llm", T);
    }

    @Test
    void listShowsOnlyVmboxInstances() {
        fakes.runner().run(Command.of(T, "limactl", "create", "--tty=false", "--name=default", "-")
                .withStdin("vmType: qemu\n".getBytes(StandardCharsets.UTF_8)));
        create(lima, spec, seed, T);
        assertEquals(List.of("llm"), lima.list().stream().map(VmStatus::name).toList());
        assertEquals(VmState.NOT_CREATED, lima.inspect("default").state());
    }

    @Test
    void creatingAnExistingInstanceIsInUseAndLeavesItAlone() {
        create(lima, spec, seed, T);
        VmboxException e = assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(ExitCode.IN_USE, e.exitCode());
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals(VmState.RUNNING, lima.inspect("llm").state());
    }

    @Test
    void limaTimingOutOnStartIsTimeoutAndLeavesNothing() {
        fakes.limaFaults(Map.of("start", "timeout"));
        VmboxException e = assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(ExitCode.TIMEOUT, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains("running"), e.getMessage());
        assertEquals(List.of(), fakes.limaInstances());
    }

    @Test
    void aHungLimactlIsKilledAtTheDeadlineAndCleanedUp() {
        fakes.limaFaults(Map.of("start", "hang", "hang_seconds", 30));
        long t0 = System.nanoTime();
        VmboxException e = assertThrows(VmboxException.class, () -> create(lima, spec, seed, Duration.ofSeconds(3)));
        assertEquals(ExitCode.TIMEOUT, e.exitCode(), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 20, "killed, not waited for");
        assertEquals(List.of(), fakes.limaInstances());
    }

    @Test
    void aVmThatFailsToBootIsReportedAndRemoved() {
        fakes.limaFaults(Map.of("start", "fail"));
        VmboxException e = assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("limactl start failed for 'llm'"), e.getMessage());
        assertTrue(e.hint().contains("ha.stderr.log"), e.hint());
        assertEquals(List.of(), fakes.limaInstances());
    }

    @Test
    void aDegradedBootIsAProvisioningFailureAndIsRemoved() {
        fakes.limaFaults(Map.of("start", "degraded"));
        VmboxException e = assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("provisioning step failed"), e.getMessage());
        assertEquals(List.of(), fakes.limaInstances());
    }

    @Test
    void aFailedCreateRemovesWhatLimaMade() {
        fakes.limaFaults(Map.of("create", "fail"));
        VmboxException e = assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("no space left on device"), e.getMessage());
        assertEquals(List.of(), fakes.limaInstances());
    }

    @Test
    void whenCleanupAlsoFailsTheErrorSaysHowToFinishIt() {
        fakes.limaFaults(Map.of("start", "fail", "delete", "fail"));
        VmboxException e = assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("could not be removed"), e.getMessage());
        assertTrue(e.hint().contains("limactl delete --force vmbox-llm"), e.hint());
    }

    @Test
    void garbageFromLimactlIsAClearError() {
        fakes.limaFaults(Map.of("garbage", List.of("list")));
        VmboxException e = assertThrows(VmboxException.class, () -> lima.inspect("llm"));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
        assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(List.of(), fakes.limaInstances(), "nothing made on output vmbox cannot read");
    }

    @Test
    void aMissingInstanceIsNotFoundForStartAndStopAndAbsentOtherwise() {
        assertEquals(ExitCode.NOT_FOUND, assertThrows(VmboxException.class, () -> lima.start("nope", T)).exitCode());
        assertEquals(ExitCode.NOT_FOUND,
                assertThrows(VmboxException.class, () -> lima.stop("nope", StopMode.GRACEFUL, T)).exitCode());
        assertEquals(VmState.NOT_CREATED, lima.inspect("nope").state());
        assertEquals(Optional.empty(), lima.sshEndpoint("nope"));
        lima.delete("nope", T);
    }

    @Test
    void aBrokenInstanceShowsLimasErrorsAndIsStoppedByForce() {
        create(lima, spec, seed, T);
        fakes.limaFaults(Map.of("start", "fail"));
        lima.stop("llm", StopMode.GRACEFUL, T);
        assertThrows(VmboxException.class, () -> lima.start("llm", T));
        VmStatus s = lima.inspect("llm");
        assertEquals(VmState.BROKEN, s.state());
        assertTrue(s.messages().get(0).contains("KVM"), s.toString());
        lima.stop("llm", StopMode.GRACEFUL, T);
        assertEquals(VmState.STOPPED, lima.inspect("llm").state());
    }

    @Test
    void limactlNotInstalledIsUnavailable() {
        LimaProvider none = new LimaProvider(new ZtExecCommandRunner(EventLog.NONE, new Executables(tmp.toString())),
                new Executables(tmp.toString()), EventLog.NONE, LINUX);
        assertEquals(ExitCode.UNAVAILABLE, assertThrows(VmboxException.class, () -> none.inspect("llm")).exitCode());
        Availability a = none.probe();
        assertFalse(a.installed());
        assertTrue(a.hint().contains("brew install lima"), a.hint());
    }

    @Test
    void probeAcceptsLima2AndRefusesOlderOnes() {
        Availability ok = lima.probe();
        assertTrue(ok.usable(), ok.toString());
        assertEquals("2.2.0", ok.version());
        fakes.limaFaults(Map.of("version", "1.0.7"));
        Availability old = lima.probe();
        assertFalse(old.working());
        assertTrue(old.detail().contains("too old"), old.detail());
        assertTrue(LimaProbe.recentEnough("HEAD-1234abc"));
        assertTrue(LimaProbe.recentEnough("v2.0.0-beta.1"));
    }

    @Test
    void gpuRequestsAreCheckedAgainstTheHost() throws Exception {
        VmSpec gpu = spec.withGpu(GpuRequest.AUTO);
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> lima.validate(gpu)).exitCode());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class,
                () -> lima.validate(spec.withGpu(GpuRequest.parse("01:00.0")))).exitCode());

        HostPlatform mac = new HostPlatform("Mac OS X", "aarch64");
        LimaProvider onMac = new LimaProvider(fakes.runner(), fakes.executables(), EventLog.NONE, mac);
        VmboxException noKrunkit = assertThrows(VmboxException.class, () -> onMac.validate(gpu));
        assertEquals(ExitCode.UNAVAILABLE, noKrunkit.exitCode());
        assertTrue(noKrunkit.hint().contains("brew install krunkit"), noKrunkit.hint());
        assertFalse(onMac.capabilities().gpuPassthrough());

        new FakeBin(fakes.bin()).script("krunkit", "exit 0");
        onMac.validate(gpu);
        assertTrue(onMac.capabilities().gpuPassthrough());
        create(onMac, gpu, seed, T);
        assertTrue(fakes.limaYamlOf("vmbox-llm").contains("\nvmType: krunkit\n"));
    }

    @Test
    void namesLimaWouldRefuseAreBadInput() {
        // since InstanceName, the spec itself refuses such a name: before Lima is ever asked
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class,
                () -> lima.validate(VmSpec.of("llm-", 1, ByteSize.ofGiB(1), ByteSize.ofGiB(2)))).exitCode());
        assertEquals(List.of(), fakes.limaCalls());
    }

    @Test
    void thePlanADryRunPrintsIsWhatRunsAndHoldsNoSecret() {
        // what `vmbox create --dry-run` prints: the plan, described; making it runs nothing
        CreatePlan plan = lima.createPlan(spec, SeedFiles.in(seed), T);
        String text = String.join("\n", CreatePlanRunner.describe(plan));
        assertTrue(text.contains("$ limactl create --tty=false --name=vmbox-llm -"), text);
        assertTrue(text.matches("(?s).*\\$ limactl start --tty=false --timeout=\\d+s vmbox-llm.*"), text);
        assertTrue(text.contains("stdin: lima.yaml"), text);
        assertFalse(text.contains("PRIVATE KEY"), text);
        assertEquals(List.of(), fakes.limaCalls(), "nothing ran");

        // the same plan, run: exactly its commands reach limactl, the start with the --timeout printed
        new CreatePlanRunner(fakes.runner(), EventLog.NONE).execute(plan, Deadline.in(T), d -> { });
        List<String> printed = plan.commands().stream().map(c -> String.join(" ", c.command().argv().subList(1,
                c.command().argv().size()))).toList();
        List<String> ran = fakes.limaCalls().stream().map(c -> String.join(" ", c.stream()
                .filter(a -> !a.startsWith("<stdin")).toList())).toList();
        assertEquals(printed, ran);
        assertEquals("start --tty=false --timeout=" + T.toSeconds() + "s vmbox-llm", ran.get(2),
                "Lima's own wait comes from the whole create's time (the margin only above 30 s)");
    }

    /** Makes the VM as vmbox's provision step does: the provider's create plan, run by the one runner. */
    private void create(LimaProvider p, VmSpec s, Path seedDir, Duration timeout) {
        dev.vmbox.testing.Plans.create(p, fakes.runner(), s, seedDir, timeout);
    }
}
