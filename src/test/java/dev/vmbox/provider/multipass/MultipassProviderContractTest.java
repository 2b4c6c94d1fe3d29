package dev.vmbox.provider.multipass;

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
import dev.vmbox.provider.Ownership;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.provider.StopMode;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.spec.VmSpec;
import dev.vmbox.testing.FakeProviders;
import dev.vmbox.wait.Deadline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MultipassProvider against the fake multipass (src/test/resources/fakes/multipass), through real processes. */
class MultipassProviderContractTest {
    private static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    FakeProviders fakes;
    MultipassProvider mp;
    Path seed;
    VmSpec spec = VmSpec.of("llm", 2, ByteSize.ofGiB(4), ByteSize.ofGiB(20));

    @BeforeEach
    void setUp() {
        fakes = FakeProviders.install(tmp);
        mp = new MultipassProvider(fakes.runner(), fakes.executables(), EventLog.NONE);
        seed = SeedFixture.write(tmp);
    }

    @Test
    void fullLifecycle() {
        fakes.multipassFaults(Map.of("ipv4", "127.0.0.9"));
        assertEquals(VmState.NOT_CREATED, mp.inspect("llm").state());
        create(mp, spec, seed, T);

        List<String> launch = fakes.multipassCalls().stream().filter(c -> c.get(0).equals("launch")).findFirst().orElseThrow();
        assertEquals(List.of("launch", "--name", "vmbox-llm", "--cpus", "2", "--memory", "4G", "--disk", "20G",
                "--cloud-init", "-", "--timeout"), launch.subList(0, 12));
        assertTrue(Integer.parseInt(launch.get(12)) > 0 && Integer.parseInt(launch.get(12)) <= 20, launch.toString());
        assertEquals("24.04", launch.get(13));
        assertEquals(SeedFixture.userData(), fakes.multipassUserDataOf("vmbox-llm"), "user-data on stdin, unchanged");
        for (List<String> call : fakes.multipassCalls()) {
            assertFalse(call.contains("--mount") || call.contains("primary"), "never a host mount: " + call);
            assertFalse(call.stream().anyMatch(a -> a.contains("PRIVATE KEY")), "no secret in argv: " + call);
        }

        assertEquals(VmState.RUNNING, mp.inspect("llm").state());
        assertEquals(Optional.of(new SshEndpoint("127.0.0.9", 22)), mp.sshEndpoint("llm"));
        assertEquals(List.of(new VmStatus("llm", "multipass", VmState.RUNNING, List.of())), mp.list());

        mp.stop("llm", StopMode.GRACEFUL, T);
        assertEquals(VmState.STOPPED, mp.inspect("llm").state());
        assertEquals(Optional.empty(), mp.sshEndpoint("llm"));
        mp.stop("llm", StopMode.GRACEFUL, T);
        mp.start("llm", T);
        assertEquals(VmState.RUNNING, mp.inspect("llm").state());
        mp.stop("llm", StopMode.FORCE, T);
        assertTrue(fakes.multipassCalls().stream().anyMatch(c -> c.get(0).equals("stop") && c.contains("--force")));

        mp.delete("llm", T);
        assertTrue(fakes.multipassCalls().stream().anyMatch(c -> c.equals(List.of("delete", "--purge", "vmbox-llm"))));
        assertEquals(VmState.NOT_CREATED, mp.inspect("llm").state());
        assertEquals(List.of(), fakes.multipassInstances());
        mp.delete("llm", T);
    }

    @Test
    void multipassHasNoAutostartSwitchAndSaysWhatItDoesInstead() {
        fakes.multipassFaults(Map.of("ipv4", "127.0.0.9"));
        create(mp, spec, seed, T);
        int calls = fakes.multipassCalls().size();
        assertTrue(mp.setAutostart("llm", true, T).contains("every instance that was running"));
        assertTrue(mp.setAutostart("llm", false, T).contains("stop the VM"));
        assertTrue(fakes.multipassCalls().subList(calls, fakes.multipassCalls().size()).stream()
                .allMatch(c -> c.get(0).equals("info") || c.get(0).equals("list")), "only asked, nothing changed: " + fakes.multipassCalls());
        mp.delete("llm", T);
    }

    @Test
    void theSshPortCanBeSetForGuestsWhoseSshdListensElsewhere() {
        fakes.multipassFaults(Map.of("ipv4", "127.0.0.1"));
        MultipassProvider onPort = new MultipassProvider(fakes.runner(), fakes.executables(), EventLog.NONE, 42022);
        create(onPort, spec, seed, T);
        assertEquals(Optional.of(new SshEndpoint("127.0.0.1", 42022)), onPort.sshEndpoint("llm"));
    }

    @Test
    void listShowsOnlyVmboxInstances() {
        fakes.runner().run(Command.of(T, "multipass", "launch", "--name", "mine", "--cloud-init", "-",
                "--timeout", "5", "24.04").withStdin(new byte[0]));
        create(mp, spec, seed, T);
        assertEquals(List.of("llm"), mp.list().stream().map(VmStatus::name).toList());
    }

    @Test
    void launchTimeoutPurgesTheVmThatKeepsInitialising() {
        fakes.multipassFaults(Map.of("launch", "timeout"));
        VmboxException e = assertThrows(VmboxException.class, () -> create(mp, spec, seed, T));
        assertEquals(ExitCode.TIMEOUT, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains("Timed out waiting for instance launch"), e.getMessage());
        assertTrue(fakes.multipassCalls().stream().anyMatch(c -> c.equals(List.of("delete", "--purge", "vmbox-llm"))));
        assertEquals(List.of(), fakes.multipassInstances());
    }

    @Test
    void aHungClientIsKilledAtTheDeadlineAndTheVmPurged() {
        fakes.multipassFaults(Map.of("launch", "hang", "hang_seconds", 30));
        VmboxException e = assertThrows(VmboxException.class, () -> create(mp, spec, seed, Duration.ofSeconds(3)));
        assertEquals(ExitCode.TIMEOUT, e.exitCode(), e.getMessage());
        assertEquals(List.of(), fakes.multipassInstances());
    }

    @Test
    void aFailedLaunchIsReportedAndPurged() {
        fakes.multipassFaults(Map.of("launch", "fail"));
        VmboxException e = assertThrows(VmboxException.class, () -> create(mp, spec, seed, T));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("failed to download image"), e.getMessage());
        assertFalse(e.getMessage().contains("launch failed: "), "Multipass's prefix is dropped: " + e.getMessage());
        assertEquals(List.of(), fakes.multipassInstances());
    }

    @Test
    void anExistingInstanceIsInUseAndIsNeverPurged() {
        create(mp, spec, seed, T);
        VmboxException e = assertThrows(VmboxException.class, () -> create(mp, spec, seed, T));
        assertEquals(ExitCode.IN_USE, e.exitCode());
        assertEquals(VmState.RUNNING, mp.inspect("llm").state());
    }

    @Test
    void theDaemonNotRunningIsUnavailableWithAHint() {
        fakes.multipassFaults(Map.of("daemon_down", true));
        VmboxException e = assertThrows(VmboxException.class, () -> create(mp, spec, seed, T));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("multipassd"), e.getMessage());
        assertTrue(e.hint().contains("snap start multipass"), e.hint());
        assertEquals(ExitCode.UNAVAILABLE, assertThrows(VmboxException.class, mp::list).exitCode());
        Availability a = mp.probe();
        assertTrue(a.installed());
        assertFalse(a.working());
    }

    @Test
    void garbageOutputIsAClearError() {
        fakes.multipassFaults(Map.of("garbage", List.of("info", "list")));
        VmboxException e = assertThrows(VmboxException.class, () -> mp.inspect("llm"));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
        assertEquals(ExitCode.FAILED, assertThrows(VmboxException.class, mp::list).exitCode());
        assertEquals(ExitCode.FAILED, assertThrows(VmboxException.class, () -> mp.ownership("llm")).exitCode());
        Availability a = mp.probe();
        assertFalse(a.working(), "doctor asks what create asks, and cannot read it either: " + a);
        assertTrue(a.detail().contains("cannot read"), a.detail());
    }

    /** The daemon is down but the client still prints its own version: not usable (exit 2 from a real query). */
    @Test
    void aClientThatStillPrintsItsVersionWithTheDaemonDownIsNotUsable() {
        fakes.multipassFaults(Map.of("daemon_down", true));
        String version = fakes.runner().run(Command.of(T, "multipass", "version", "--format", "json")).stdout();
        assertTrue(version.contains("\"multipass\"") && !version.contains("multipassd"), version);
        Availability a = mp.probe();
        assertTrue(a.installed());
        assertFalse(a.working(), a.toString());
        assertTrue(a.detail().contains("multipassd is not answering (cannot connect to the multipass socket)"), a.detail());
        assertEquals("1.16.3", a.version());
        assertEquals(ExitCode.UNAVAILABLE, assertThrows(VmboxException.class, () -> mp.inspect("llm")).exitCode());
    }

    @Test
    void multipassOlderThan114IsRefusedAndNewerOnesWork() {
        fakes.multipassFaults(Map.of("version", "1.13.1"));
        Availability old = mp.probe();
        assertFalse(old.working());
        assertTrue(old.detail().contains("1.13.1 is too old: vmbox needs 1.14 or newer"), old.detail());
        fakes.multipassFaults(Map.of("version", "1.14.0"));
        assertTrue(mp.probe().usable(), mp.probe().toString());
        assertTrue(MultipassProbe.recentEnough("1.16.3+mac"));
        assertTrue(MultipassProbe.recentEnough("2.0.0"));
        assertFalse(MultipassProbe.recentEnough("1.9.2"));
    }

    /**
     * Multipass keeps no mark of who made an instance: any instance of vmbox's name is UNPROVEN (the caller proves it
     * from inside the guest); vmbox's own query is one {@code info}.
     */
    @Test
    void multipassCannotTellWhoMadeAnInstance() {
        assertEquals(Ownership.Kind.ABSENT, mp.ownership("llm").kind());
        fakes.runner().run(Command.of(T, "multipass", "launch", "--name", "vmbox-llm", "--cloud-init", "-",
                "--timeout", "5", "24.04").withStdin(new byte[0]));
        Ownership o = mp.ownership("llm");
        assertEquals(Ownership.Kind.UNPROVEN, o.kind());
        assertEquals("vmbox-llm", o.vm());
        assertEquals(Optional.of("ubuntu"), mp.ownSshUser());
    }

    /** One query where three were made: the plan launches straight away (Multipass refuses a name it has). */
    @Test
    void theCreatePlanAsksMultipassNothingBeforeLaunching() {
        create(mp, spec, seed, T);
        assertEquals(List.of("launch"), fakes.multipassCalls().stream().map(c -> c.get(0)).toList());
    }

    @Test
    void aMissingInstanceIsNotFoundForStartAndStopAndAbsentOtherwise() {
        assertEquals(ExitCode.NOT_FOUND, assertThrows(VmboxException.class, () -> mp.start("nope", T)).exitCode());
        assertEquals(ExitCode.NOT_FOUND,
                assertThrows(VmboxException.class, () -> mp.stop("nope", StopMode.GRACEFUL, T)).exitCode());
        assertEquals(VmState.NOT_CREATED, mp.inspect("nope").state());
        assertEquals(Optional.empty(), mp.sshEndpoint("nope"));
        mp.delete("nope", T);
    }

    @Test
    void startTimingOutIsTimeout() {
        create(mp, spec, seed, T);
        mp.stop("llm", StopMode.GRACEFUL, T);
        fakes.multipassFaults(Map.of("start", "timeout"));
        assertEquals(ExitCode.TIMEOUT, assertThrows(VmboxException.class, () -> mp.start("llm", T)).exitCode());
    }

    @Test
    void aHostMountIsReportedOnInspect() {
        fakes.multipassFaults(Map.of("mounts", Map.of("/home/me/secrets", "/mnt/s")));
        create(mp, spec, seed, T);
        VmStatus s = mp.inspect("llm");
        assertTrue(s.messages().get(0).contains("/home/me/secrets -> /mnt/s"), s.toString());
    }

    @Test
    void gpuImageAndNameAreCheckedBeforeAnythingRuns() {
        VmboxException gpu = assertThrows(VmboxException.class, () -> create(mp, spec.withGpu(GpuRequest.AUTO), seed, T));
        assertEquals(ExitCode.BAD_INPUT, gpu.exitCode());
        assertTrue(gpu.getMessage().contains("no GPU"), gpu.getMessage());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class,
                () -> mp.validate(spec.withImage("debian-12"))).exitCode());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class,
                () -> mp.validate(VmSpec.of("a-", 1, ByteSize.ofGiB(1), ByteSize.ofGiB(2)))).exitCode());
        assertEquals(List.of(), fakes.multipassCalls());
    }

    @Test
    void multipassNotInstalledIsUnavailable() {
        Executables none = new Executables(tmp.resolve("empty").toString());
        MultipassProvider missing = new MultipassProvider(new ZtExecCommandRunner(EventLog.NONE, none), none, EventLog.NONE);
        assertEquals(ExitCode.UNAVAILABLE, assertThrows(VmboxException.class, () -> missing.inspect("llm")).exitCode());
        assertFalse(missing.probe().installed());
    }

    @Test
    void sizesAreWrittenInMultipassUnits() {
        assertEquals("4G", MultipassProvider.size(ByteSize.ofGiB(4)));
        assertEquals("1536M", MultipassProvider.size(ByteSize.ofMiB(1536)));
        assertEquals("2049M", MultipassProvider.size(new ByteSize(ByteSize.GIB * 2 + 1)));
    }

    @Test
    void thePlanADryRunPrintsIsWhatRunsAndHoldsNoSecret() {
        // what `vmbox create --dry-run` prints: the plan, described; making it runs nothing
        CreatePlan plan = mp.createPlan(spec, SeedFiles.in(seed), T);
        String text = String.join("\n", CreatePlanRunner.describe(plan));
        assertTrue(text.matches("(?s).*\\$ multipass launch --name vmbox-llm --cpus 2 --memory 4G --disk 20G "
                + "--cloud-init - --timeout \\d+ 24\\.04.*"), text);
        assertTrue(text.contains("stdin: the seed's user-data (never shown)"), text);
        assertFalse(text.contains(seed.toString()), "no file that a dry run never writes is named: " + text);
        assertFalse(text.contains("PRIVATE KEY"), text);
        assertEquals(List.of(), fakes.multipassCalls(), "nothing ran");

        new CreatePlanRunner(fakes.runner(), EventLog.NONE).execute(plan, Deadline.in(T), d -> { });
        List<List<String>> printed = plan.commands().stream().map(c -> c.command().argv().subList(1,
                c.command().argv().size())).toList();
        List<List<String>> ran = fakes.multipassCalls().stream().map(c -> c.stream().filter(a -> !a.startsWith("<stdin"))
                .toList()).toList();
        assertEquals(printed, ran, "the run runs exactly the printed commands");
    }

    @Test
    void ctrlCDuringLaunchStillPurgesTheVm() throws Exception {
        fakes.multipassFaults(Map.of("launch", "hang", "hang_seconds", 30));
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                create(mp, spec, seed, T);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (fakes.multipassInstances().isEmpty() && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        t.interrupt();
        t.join(30_000);
        assertFalse(t.isAlive());
        assertTrue(thrown.get() instanceof VmboxException, String.valueOf(thrown.get()));
        assertEquals(ExitCode.INTERRUPTED, ((VmboxException) thrown.get()).exitCode());
        // the INTERRUPTED exception carries the interrupt (the exec layer leaves the flag clear for cleanup)
        assertEquals(List.of(), fakes.multipassInstances(), "purged even after Ctrl-C");
    }

    /** Makes the VM as vmbox's provision step does: the provider's create plan, run by the one runner. */
    private void create(MultipassProvider p, VmSpec s, Path seedDir, Duration timeout) {
        dev.vmbox.testing.Plans.create(p, fakes.runner(), s, seedDir, timeout);
    }
}
