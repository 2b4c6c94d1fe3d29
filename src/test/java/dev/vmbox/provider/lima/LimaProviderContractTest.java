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
import dev.vmbox.provider.ProviderLogException;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
        assertTrue(fakes.limaCalls().contains(List.of("start-at-login", "--tty=false", "--log-format=json", "--enabled=true", "vmbox-llm")),
                fakes.limaCalls().toString());
        lima.setAutostart("llm", false, T);
        assertTrue(fakes.limaCalls().contains(List.of("start-at-login", "--tty=false", "--log-format=json", "--enabled=false", "vmbox-llm")));
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
        assertTrue(e.getMessage().contains("Lima reports 'vmbox-llm' as Broken"), e.getMessage());
        assertTrue(e.getMessage().contains("could not access KVM kernel module"), e.getMessage());
        // the rollback deleted the instance folder: the hint names no file there, the create log keeps the lines
        assertTrue(e.hint().contains("vmbox's create log"), e.hint());
        ProviderLogException logged = ProviderLogException.in(e).orElseThrow();
        assertTrue(logged.source().endsWith("/vmbox-llm/ha.stderr.log"), logged.source());
        assertTrue(logged.excerpt().contains("Waiting for the essential requirement"), logged.excerpt());
        assertEquals(List.of(), fakes.limaInstances());
    }

    @Test
    void aDegradedBootIsAProvisioningFailureAndIsRemoved() {
        fakes.limaFaults(Map.of("start", "degraded"));
        VmboxException e = assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("a readiness check failed inside it: failed to satisfy the optional "
                + "requirement 1 of 1 `vmbox's cloud-config is applied`"), e.getMessage());
        assertEquals(List.of(), fakes.limaInstances());
    }

    /**
     * Lima's own wait ended: a timeout (5), its message read whole in each form Lima prints it: 2.2 quotes with
     * backticks, 2.0 and 2.1 with (escaped) double quotes.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"2.2.0|`running`", "2.1.0|\"running\""})
    void limasOwnTimeoutIsReadWholeInEachQuotingForm(String version, String quoted) {
        fakes.limaFaults(Map.of("start", "timeout", "version", version));
        VmboxException e = assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(ExitCode.TIMEOUT, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains("(did not receive an event with the " + quoted + " status)"), e.getMessage());
    }

    /**
     * The real cause of a start that never became ready is only in the host agent's ha.stderr.log (here: the guest's
     * sshd refusing Lima's user); vmbox reads it before the rollback deletes it, puts it in the error and keeps the
     * log's last lines for its create log.
     */
    @Test
    void theCauseInTheHostAgentLogReachesTheErrorBeforeTheRollbackDeletesIt() {
        fakes.limaFaults(Map.of("start", "ssh-refused"));
        VmboxException e = assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(ExitCode.TIMEOUT, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains("Lima was waiting for the essential requirement 1 of 2: `ssh`"), e.getMessage());
        assertTrue(e.getMessage().contains("the guest's last answer: lima@127.0.0.1: Permission denied (publickey)."),
                e.getMessage());
        ProviderLogException logged = ProviderLogException.in(e).orElseThrow();
        assertTrue(logged.excerpt().contains("Permission denied (publickey)"), logged.excerpt());
        assertFalse(java.nio.file.Files.exists(Path.of(logged.source())), "the rollback removed the instance folder");
        assertEquals(List.of(), fakes.limaInstances());
    }

    /** Lima reports the instance Broken: that is a failure (1), even when its log speaks of a time-out. */
    @Test
    void aBrokenInstanceIsAFailureNotATimeout() {
        fakes.limaFaults(Map.of("start", "broken"));
        VmboxException e = assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(ExitCode.FAILED, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains("as Broken"), e.getMessage());
        assertTrue(e.getMessage().contains("host agent is running but driver is not"), e.getMessage());
    }

    /** vmbox start (no rollback): the hint names the host agent's log, which exists, under the LIMA_HOME Lima uses. */
    @Test
    void aFailedStartNamesTheHostAgentLogThatExists() {
        create(lima, spec, seed, T);
        lima.stop("llm", StopMode.GRACEFUL, T);
        fakes.limaFaults(Map.of("start", "ssh-refused"));
        VmboxException e = assertThrows(VmboxException.class, () -> lima.start("llm", T));
        assertEquals(ExitCode.TIMEOUT, e.exitCode());
        String log = fakes.limaState().resolve("lima-home/vmbox-llm/ha.stderr.log").toString();
        assertTrue(e.hint().contains("Lima's host agent log: " + log), e.hint());
        assertTrue(java.nio.file.Files.isRegularFile(Path.of(log)));
    }

    /** A Lima instance named like vmbox's but made by someone else: vmbox never lists, starts, stops or deletes it. */
    @Test
    void aForeignInstanceNamedLikeVmboxsIsLeftAlone() {
        fakes.runner().run(Command.of(T, "limactl", "create", "--tty=false", "--name=vmbox-llm", "-")
                .withStdin("vmType: qemu\nmessage: my own VM\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(dev.vmbox.provider.Ownership.Kind.FOREIGN, lima.ownership("llm").kind());
        assertEquals(VmState.STOPPED, lima.inspect("llm").state(), "it is there, under that name");
        assertEquals(List.of(), lima.list(), "but not vmbox's");
        for (org.junit.jupiter.api.function.Executable act : List.<org.junit.jupiter.api.function.Executable>of(
                () -> lima.delete("llm", T), () -> lima.start("llm", T), () -> lima.stop("llm", StopMode.FORCE, T),
                () -> lima.setAutostart("llm", true, T))) {
            VmboxException e = assertThrows(VmboxException.class, act);
            assertEquals(ExitCode.IN_USE, e.exitCode(), e.getMessage());
            assertTrue(e.getMessage().contains("'vmbox-llm'") && e.getMessage().contains("was not made by vmbox"),
                    e.getMessage());
        }
        assertEquals(List.of("vmbox-llm"), fakes.limaInstances());
        assertTrue(fakes.limaCalls().stream().noneMatch(c -> List.of("delete", "start", "stop", "start-at-login")
                .contains(c.get(0))));
        // and creating over it is refused by Lima itself, which vmbox reads as "name taken", touching nothing
        VmboxException taken = assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(ExitCode.IN_USE, taken.exitCode());
        assertEquals(List.of("vmbox-llm"), fakes.limaInstances());
    }

    @Test
    void anInstanceVmboxMadeIsVmboxs() {
        create(lima, spec, seed, T);
        assertEquals(dev.vmbox.provider.Ownership.Kind.VMBOX, lima.ownership("llm").kind());
        assertEquals(dev.vmbox.provider.Ownership.Kind.ABSENT, lima.ownership("other").kind());
        assertEquals(Optional.of("lima"), lima.ownSshUser());
    }

    /** An override.yaml that renames the guest user would shut Lima's host agent out of vmbox's guest: refused. */
    @Test
    void limaChangingTheGuestUserIsRefusedAndRolledBack() {
        fakes.limaFaults(Map.of("override_user", "alice"));
        VmboxException e = assertThrows(VmboxException.class, () -> create(lima, spec, seed, T));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("guest user 'alice', not 'lima'"), e.getMessage());
        assertTrue(e.hint().contains("override.yaml"), e.hint());
        assertEquals(List.of(), fakes.limaInstances());
        assertTrue(fakes.limaCalls().stream().noneMatch(c -> c.get(0).equals("start")), "never started");
    }

    /** Lima's socket paths under LIMA_HOME must fit the host's limit (104 on macOS, 108 on Linux): checked first. */
    @Test
    void socketPathsThatWouldNotFitAreRefusedBeforeLimaIsAsked() {
        // a path must be shorter than 104: 103 - "/ssh.sock.1234567890123456" (26) - "/vmbox-llm" (10) leaves 67 bytes
        // for LIMA_HOME on macOS (Lima's own rule: the instance folder at most 77)
        Path fits = Path.of("/" + "h".repeat(66));
        Path tooLong = Path.of("/" + "h".repeat(67));
        HostPlatform mac = new HostPlatform("Mac OS X", "aarch64");
        new LimaProvider(fakes.runner(), fakes.executables(), EventLog.NONE, mac, new LimaHome(fits)).validate(spec);
        VmboxException e = assertThrows(VmboxException.class, () -> new LimaProvider(fakes.runner(), fakes.executables(),
                EventLog.NONE, mac, new LimaHome(tooLong)).validate(spec));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("shorter than 104"), e.getMessage());
        assertTrue(e.hint().contains("1 characters shorter") && e.hint().contains(tooLong.toString()), e.hint());
        // Linux allows 4 more
        new LimaProvider(fakes.runner(), fakes.executables(), EventLog.NONE, LINUX, new LimaHome(Path.of("/" + "h".repeat(70))))
                .validate(spec);
        assertThrows(VmboxException.class, () -> new LimaProvider(fakes.runner(), fakes.executables(), EventLog.NONE, LINUX,
                new LimaHome(Path.of("/" + "h".repeat(71)))).validate(spec));
        assertEquals(List.of(), fakes.limaCalls());
    }

    /** One query of Lima where several were made: a create lists once (to check what Lima made), start lists once. */
    @Test
    void oneQueryOfLimaPerDecision() {
        create(lima, spec, seed, T);
        assertEquals(List.of("create", "list", "start"), fakes.limaCalls().stream().map(c -> c.get(0)).toList());
        lima.stop("llm", StopMode.GRACEFUL, T);
        int before = fakes.limaCalls().size();
        lima.start("llm", T);
        assertEquals(List.of("list", "start"), fakes.limaCalls().subList(before, fakes.limaCalls().size()).stream()
                .map(c -> c.get(0)).toList());
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
        assertTrue(text.contains("$ limactl create --tty=false --log-format=json --name=vmbox-llm -"), text);
        assertTrue(text.matches("(?s).*\\$ limactl start --tty=false --log-format=json --timeout=\\d+s vmbox-llm.*"), text);
        assertTrue(text.contains("stdin: lima.yaml"), text);
        assertFalse(text.contains("PRIVATE KEY"), text);
        assertEquals(List.of(), fakes.limaCalls(), "nothing ran");

        // the same plan, run: exactly its commands reach limactl, the start with the --timeout printed
        new CreatePlanRunner(fakes.runner(), EventLog.NONE).execute(plan, Deadline.in(T), d -> { });
        List<String> printed = plan.commands().stream().filter(c -> !c.conditional()).map(c -> String.join(" ",
                c.command().argv().subList(1, c.command().argv().size()))).toList();
        List<String> ran = fakes.limaCalls().stream().map(c -> String.join(" ", c.stream()
                .filter(a -> !a.startsWith("<stdin")).toList())).toList();
        assertEquals(printed, ran);
        assertEquals("start --tty=false --log-format=json --timeout=" + T.toSeconds() + "s vmbox-llm", ran.get(2),
                "Lima's own wait comes from the whole create's time (the margin only above 30 s)");
    }

    /** Makes the VM as vmbox's provision step does: the provider's create plan, run by the one runner. */
    private void create(LimaProvider p, VmSpec s, Path seedDir, Duration timeout) {
        dev.vmbox.testing.Plans.create(p, fakes.runner(), s, seedDir, timeout);
    }
}
