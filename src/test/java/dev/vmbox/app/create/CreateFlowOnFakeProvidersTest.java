package dev.vmbox.app.create;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.instance.GuestAccess;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelControl;
import dev.vmbox.cloudinit.GpuKind;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.lima.HostPlatform;
import dev.vmbox.provider.lima.LimaProvider;
import dev.vmbox.provider.multipass.MultipassProvider;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.VmSpec;
import dev.vmbox.ssh.SshClient;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.VmboxHome;
import dev.vmbox.testing.FakeProviders;
import dev.vmbox.testing.LocalSshd;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The create flow is provider-independent in fact: it runs against the fake {@code limactl} and
 * {@code multipass} programs up to and through the SSH step, where a real sshd plays the booted guest
 * with exactly the host key and authorized key vmbox put into the guest's cloud-config. The guest's
 * sshd answers "cloud-init done" and then refuses the install, so the flow must roll back: the fake
 * provider must hold no VM afterwards and VMBOX_HOME no instance.
 */
class CreateFlowOnFakeProvidersTest {
    /** An unprivileged login made for this test: sshd needs a real account, and root is never the admin. */
    static final String GUEST_USER = "vmbtest";

    @TempDir
    Path tmp;
    FakeProviders fakes;
    LocalSshd sshd;
    InstanceStore store;
    final List<String> steps = new ArrayList<>();
    /** The user-data each provider was handed. */
    final List<String> seedsSeen = new ArrayList<>();

    @BeforeAll
    static void guestUser() throws Exception {
        boolean exists = new ProcessBuilder("id", GUEST_USER).start().waitFor() == 0;
        if (!exists) {
            boolean root = "root".equals(System.getProperty("user.name"));
            assumeTrue(root || "true".equals(System.getenv("CI")), "needs root to add the test login " + GUEST_USER);
            Process p = new ProcessBuilder("useradd", "--system", "--no-create-home", "--shell", "/bin/sh", "-p", "*",
                    GUEST_USER).redirectErrorStream(true).start();
            assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        fakes = FakeProviders.install(tmp.resolve("fakes"));
        Path guest = tmp.resolve("guest-command");
        Files.writeString(guest, "#!/bin/sh\ncase \"$SSH_ORIGINAL_COMMAND\" in\n"
                + "  *'cloud-init status'*) echo 'status: done'; exit 0 ;;\n"
                + "  *) echo 'test guest: the flow ends here' >&2; exit 7 ;;\nesac\n");
        Files.setPosixFilePermissions(guest, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        sshd = LocalSshd.start(tmp, List.of("ForceCommand " + guest));
        store = new InstanceStore(new VmboxHome(tmp.resolve("home")));
    }

    @AfterEach
    void tearDown() {
        sshd.close();
    }

    /** The provider, wrapped so that "booting" the VM brings up the guest's sshd with the seed's keys. */
    private Provider booting(Provider real) {
        return (Provider) Proxy.newProxyInstance(Provider.class.getClassLoader(), new Class<?>[] {Provider.class},
                (proxy, method, args) -> {
                    Object out;
                    try {
                        out = method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("createPlan")) {
                        Path seedDir = ((dev.vmbox.provider.SeedFiles) args[1]).dir();
                        seedsSeen.add(Files.readString(seedDir.resolve("user-data")));
                        useSeedKeys(sshd, seedDir);
                    }
                    return out;
                });
    }

    /** The sshd playing the guest takes the host key and the admin's key vmbox put into the seed in {@code seedDir}. */
    static void useSeedKeys(LocalSshd sshd, Path seedDir) throws java.io.IOException {
        JsonNode ud = new ObjectMapper(new YAMLFactory()).readTree(seedDir.resolve("user-data").toFile());
        JsonNode admin = null;
        for (JsonNode u : ud.get("users")) {
            if (u.isObject() && GUEST_USER.equals(u.path("name").asText())) {
                admin = u;
            }
        }
        sshd.useGuestKeys(ud.path("ssh_keys").path("ed25519_private").asText(),
                ud.path("ssh_keys").path("ed25519_public").asText(), admin.path("ssh_authorized_keys").get(0).asText());
    }

    private Progress recording() {
        return new RecordingProgress(steps);
    }

    private void runAndExpectRollback(Provider provider, CommandRunner runner) throws Exception {
        Path bundle = Files.writeString(tmp.resolve("runtime.tar.gz"), "not really a runtime");
        Path model = Files.writeString(tmp.resolve("model.gguf"), "GGUF");
        PayloadSource payload = (req, step) -> new Payload(bundle, "test", "tar.gz",
                List.of(new Payload.ModelFile(model, "model.gguf")), "test-model", List.of());
        CreateFlow flow = new CreateFlow(store, runner, new GuestAccess(new SshClient(EventLog.NONE)),
                new ApiTunnel(new TunnelControl(fakes.executables()), List.of("true")), payload, (r, u, k, t, alive, s) -> "ok",
                EventLog.NONE, Clock.systemUTC(), "test");
        VmSpec spec = new VmSpec("fake1", 2, ByteSize.ofGiB(2), ByteSize.ofGiB(10), null,
                dev.vmbox.spec.EgressPolicy.SEALED, dev.vmbox.spec.GpuRequest.NONE);
        CreateRequest req = new CreateRequest(spec, new CreateRequest.Chosen(provider, "test", Map.of()),
                new CreateRequest.GuestRuntime(RuntimeKind.OLLAMA, 11434, 1L << 30), ApiAddress.loopback(LocalSshd.freePort()),
                "test-model", GpuKind.NONE, GUEST_USER, false, Duration.ofMinutes(3));
        VmboxException e = assertThrows(VmboxException.class, () -> flow.create(req, recording()));
        assertEquals(ExitCode.FAILED, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().startsWith("create failed at step 'install'"), e.getMessage());
        assertTrue(e.getMessage().contains("everything made was removed"), e.getMessage());
        assertEquals(List.of("check", "fetch", "keys", "seed", "provision", "ssh", "cloud-init", "unseed", "install", "rollback"),
                steps);
        assertFalse(Files.exists(store.dir("fake1")), "no instance folder is left");
        assertTrue(store.list().isEmpty());
    }

    @Test
    void multipassCreateReachesSshWithThePinnedKeyThenRollsBack() throws Exception {
        fakes.multipassFaults(Map.of("ipv4", "127.0.0.1"));
        CommandRunner runner = fakes.runner();
        runAndExpectRollback(booting(new MultipassProvider(runner, fakes.executables(), EventLog.NONE, sshd.port())), runner);
        assertTrue(fakes.multipassInstances().isEmpty(), "multipass holds no VM: " + fakes.multipassInstances());
        assertTrue(fakes.multipassCalls().stream().anyMatch(c -> c.get(0).equals("delete")), fakes.multipassCalls().toString());
        // the guest's sshd lets Multipass's daemon in as ubuntu, with no forwarding (docs/decisions/0013)
        assertTrue(seedsSeen.get(0).contains("AllowUsers " + GUEST_USER + " ubuntu\n"), seedsSeen.get(0));
        assertTrue(seedsSeen.get(0).contains("Match User ubuntu\n          DisableForwarding yes\n"), seedsSeen.get(0));
    }

    @Test
    void limaCreateReachesSshWithThePinnedKeyThenRollsBack() throws Exception {
        fakes.limaFaults(Map.of("ssh_port", sshd.port()));
        CommandRunner runner = fakes.runner();
        runAndExpectRollback(booting(new LimaProvider(runner, fakes.executables(), EventLog.NONE,
                new HostPlatform("Linux", "amd64"))), runner);
        assertTrue(fakes.limaInstances().isEmpty(), "lima holds no VM: " + fakes.limaInstances());
        // the guest's sshd lets Lima's host agent in as lima (the lima.yaml's user.name), with no forwarding
        assertTrue(seedsSeen.get(0).contains("AllowUsers " + GUEST_USER + " lima\n"), seedsSeen.get(0));
        assertTrue(seedsSeen.get(0).contains("Match User lima\n"), seedsSeen.get(0));
    }

    /**
     * Lima's start fails for a reason only its host agent's log tells (the guest's sshd refusing Lima's user): the
     * error says it, the rollback deletes the instance folder with that log, and vmbox's create log keeps its end.
     */
    @Test
    void aLimaStartFailureKeepsTheHostAgentLogInTheCreateLog() throws Exception {
        fakes.limaFaults(Map.of("start", "ssh-refused"));
        CommandRunner runner = fakes.runner();
        Path bundle = Files.writeString(tmp.resolve("runtime.tar.gz"), "x");
        PayloadSource payload = (req, step) -> new Payload(bundle, "test", "tar.gz", List.of(), "m", List.of());
        CreateFlow flow = new CreateFlow(store, runner, new GuestAccess(new SshClient(EventLog.NONE)),
                new ApiTunnel(new TunnelControl(fakes.executables()), List.of("true")), payload, (r, u, k, t, alive, s) -> "ok",
                EventLog.NONE, Clock.systemUTC(), "test");
        VmSpec spec = new VmSpec("fake3", 1, ByteSize.ofGiB(1), ByteSize.ofGiB(10), "ubuntu-24.04",
                dev.vmbox.spec.EgressPolicy.SEALED, dev.vmbox.spec.GpuRequest.NONE);
        CreateRequest req = new CreateRequest(spec, new CreateRequest.Chosen(new LimaProvider(runner, fakes.executables(),
                EventLog.NONE, new HostPlatform("Linux", "amd64")), "test", Map.of()),
                new CreateRequest.GuestRuntime(RuntimeKind.OLLAMA, 11434, 1L << 30), ApiAddress.loopback(LocalSshd.freePort()),
                "m", GpuKind.NONE, GUEST_USER, false, Duration.ofMinutes(2));
        VmboxException e = assertThrows(VmboxException.class, () -> flow.create(req, recording()));
        assertEquals(ExitCode.TIMEOUT, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains("Permission denied (publickey)"), e.getMessage());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("log: (\\S+)\\)").matcher(e.getMessage());
        assertTrue(m.find(), e.getMessage());
        String log = Files.readString(Path.of(m.group(1)));
        assertTrue(log.contains("ha.stderr.log, as it was before the rollback:"), log);
        assertTrue(log.contains("Waiting for the essential requirement 1 of 2"), log);
        assertTrue(log.contains("Permission denied (publickey)"), log);
        assertTrue(fakes.limaInstances().isEmpty());
    }

    @Test
    void aGuestWithAnotherHostKeyIsRefusedAndRolledBack() throws Exception {
        fakes.multipassFaults(Map.of("ipv4", "127.0.0.1"));
        CommandRunner runner = fakes.runner();
        // no booting wrapper: the "guest" keeps its own host key, not the one vmbox pinned
        Provider plain = new MultipassProvider(runner, fakes.executables(), EventLog.NONE, sshd.port());
        Path bundle = Files.writeString(tmp.resolve("runtime.tar.gz"), "x");
        PayloadSource payload = (req, step) -> new Payload(bundle, "test", "tar.gz", List.of(), "m", List.of());
        CreateFlow flow = new CreateFlow(store, runner, new GuestAccess(new SshClient(EventLog.NONE)),
                new ApiTunnel(new TunnelControl(fakes.executables()), List.of("true")), payload, (r, u, k, t, alive, s) -> "ok",
                EventLog.NONE, Clock.systemUTC(), "test");
        VmSpec spec = new VmSpec("fake2", 1, ByteSize.ofGiB(1), ByteSize.ofGiB(10), null,
                dev.vmbox.spec.EgressPolicy.SEALED, dev.vmbox.spec.GpuRequest.NONE);
        CreateRequest req = new CreateRequest(spec, new CreateRequest.Chosen(plain, "test", Map.of()),
                new CreateRequest.GuestRuntime(RuntimeKind.OLLAMA, 11434, 1L << 30), ApiAddress.loopback(LocalSshd.freePort()),
                "m", GpuKind.NONE, GUEST_USER, false, Duration.ofMinutes(2));
        VmboxException e = assertThrows(VmboxException.class, () -> flow.create(req, recording()));
        assertEquals(ExitCode.SECURITY, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains("does not match the pinned key"), e.getMessage());
        assertTrue(fakes.multipassInstances().isEmpty());
        assertFalse(Files.exists(store.dir("fake2")));
    }
}
