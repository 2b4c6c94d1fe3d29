package dev.vmbox.app.create;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.instance.GuestAccess;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelControl;
import dev.vmbox.cloudinit.GpuKind;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.Capabilities;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.VmSpec;
import dev.vmbox.ssh.SshClient;
import dev.vmbox.store.FileNames;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.VmboxHome;
import dev.vmbox.testing.LocalSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one loop of create: its steps in order, rollback and the failure's log. Every failure names a log that exists:
 * in the instance folder while it stands, else beside the instances ({@code _logs}); never in another instance's
 * folder of the same name.
 */
class CreateFlowTest {
    @TempDir
    Path tmp;
    Path home;
    InstanceStore store;
    Provider provider;
    final List<String> steps = new ArrayList<>();

    @BeforeEach
    void setUp() {
        home = tmp.resolve("home");
        store = new InstanceStore(new VmboxHome(home));
        provider = mock(Provider.class);
        when(provider.id()).thenReturn("fake");
        when(provider.capabilities()).thenReturn(new Capabilities(false, false, false, false, false));
        when(provider.inspect(any())).thenAnswer(a -> VmStatus.notCreated(a.getArgument(0), "fake"));
    }

    private CreateFlow flow(PayloadSource payloads) {
        Executables exe = Executables.fromEnvironment(System.getenv());
        return new CreateFlow(store, new ZtExecCommandRunner(EventLog.NONE, exe), new GuestAccess(new SshClient(EventLog.NONE)),
                new ApiTunnel(new TunnelControl(exe), List.of("true")), payloads, (r, u, k, t, alive, s) -> "ok", EventLog.NONE,
                Clock.systemUTC(), "test");
    }

    private CreateRequest request(String name, boolean keep) throws Exception {
        VmSpec spec = VmSpec.of(name, 1, ByteSize.ofGiB(1), ByteSize.ofGiB(4));
        return new CreateRequest(spec, new CreateRequest.Chosen(provider, "test", Map.of()),
                new CreateRequest.GuestRuntime(RuntimeKind.LLAMA_CPP, 8080, 1L << 30), ApiAddress.loopback(LocalSshd.freePort()),
                "model", GpuKind.NONE, CreateRequest.DEFAULT_ADMIN, keep, Duration.ofMinutes(1));
    }

    private Progress recording() {
        return new RecordingProgress(steps);
    }

    /** The path the message names after "log: ", which must exist. */
    private static Path namedLog(VmboxException e) {
        String m = e.getMessage();
        int at = m.indexOf("log: ");
        assertTrue(at > 0, "the failure names its log: " + m);
        Path log = Path.of(m.substring(at + 5, m.indexOf(')', at)));
        assertTrue(Files.isRegularFile(log), "the named log exists: " + log);
        return log;
    }

    @Test
    void aFailureAtFetchNamesALogBesideTheInstances() throws Exception {
        PayloadSource offline = (req, step) -> {
            throw VmboxException.failed("cannot download the ollama release", "bring it with --runtime-bundle FILE", null);
        };
        VmboxException e = assertThrows(VmboxException.class, () -> flow(offline).create(request("fetchless", false),
                recording()));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().startsWith("create failed at step 'fetch': cannot download the ollama release"),
                e.getMessage());
        Path log = namedLog(e);
        assertEquals(home.resolve("_logs/fetchless-create-failed.log"), log);
        assertTrue(Files.readString(log).contains("step: fetch"), Files.readString(log));
        assertEquals("bring it with --runtime-bundle FILE", e.hint());
        assertEquals(List.of("check", "fetch"), steps, "nothing was made: no rollback");
        assertFalse(Files.exists(home.resolve("fetchless")));
    }

    @Test
    void aTakenNameFailsAtCheckAndWritesNoLogOfThatName() throws Exception {
        Path other = Files.createDirectories(home.resolve("taken"));
        Files.writeString(other.resolve(FileNames.INSTANCE_RECORD), "{\"schema\":1,\"name\":\"taken\",\"provider\":\"fake\","
                + "\"phase\":\"READY\",\"settings\":{}}");
        // the log of the create that holds the name (the winner of a race, or an earlier failed create of that name)
        Path winners = Files.createDirectories(home.resolve(FileNames.FAILED_LOGS_DIR)).resolve("taken-create-failed.log");
        Files.writeString(winners, "the winner's log\n");
        VmboxException e = assertThrows(VmboxException.class, () -> flow((req, step) -> {
            throw new AssertionError("never fetched");
        }).create(request("taken", true), recording()));
        assertEquals(ExitCode.IN_USE, e.exitCode());
        assertTrue(e.getMessage().startsWith("create failed at step 'check': an instance named 'taken' already exists"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("(nothing was made, no log)"), e.getMessage());
        assertEquals("the winner's log\n", Files.readString(winners), "the refused create leaves the name's log alone");
        try (var logs = Files.list(winners.getParent())) {
            assertEquals(List.of(winners), logs.toList(), "and writes no other");
        }
        assertFalse(Files.exists(other.resolve(FileNames.LOGS_DIR)), "the other instance is left alone");
        assertFalse(e.getMessage().contains("BROKEN"), "--keep-on-failure keeps what this create made: nothing");
    }

    @Test
    void aFailureAfterTheKeysIsRolledBackAndKeepOnFailureKeepsItWithItsLog() throws Exception {
        when(provider.createPlan(any(), any(), any())).thenThrow(new VmboxException(ExitCode.UNAVAILABLE, "no hypervisor",
                "install one"));
        Path bundle = Files.writeString(tmp.resolve("runtime.tgz"), "x");
        PayloadSource payload = (req, step) -> new Payload(bundle, "test", "tar.gz", List.of(), "m", List.of());

        VmboxException e = assertThrows(VmboxException.class, () -> flow(payload).create(request("gone", false), recording()));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().startsWith("create failed at step 'provision': no hypervisor (everything made was removed;"),
                e.getMessage());
        assertEquals(home.resolve("_logs/gone-create-failed.log"), namedLog(e));
        assertEquals(List.of("check", "fetch", "keys", "seed", "provision", "rollback"), steps);
        assertFalse(Files.exists(home.resolve("gone")));

        VmboxException kept = assertThrows(VmboxException.class, () -> flow(payload).create(request("kept", true),
                Progress.NONE));
        assertTrue(kept.getMessage().contains("(kept as BROKEN; log: "), kept.getMessage());
        assertEquals(home.resolve("kept/logs/create.log"), namedLog(kept));
        assertEquals("BROKEN", store.read("kept").phase().name());
    }
}
