package dev.vmbox.app.instance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelControl;
import dev.vmbox.cloudinit.CloudInitComposer;
import dev.vmbox.cloudinit.GpuKind;
import dev.vmbox.cloudinit.GuestLayout;
import dev.vmbox.cloudinit.GuestSpec;
import dev.vmbox.cloudinit.ProviderLogin;
import dev.vmbox.cloudinit.UserData;
import dev.vmbox.cloudinit.WriteFile;
import dev.vmbox.exec.Command;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.NotVmboxException;
import dev.vmbox.provider.Ownership;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.StopMode;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.multipass.MultipassProvider;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.HostKeyPair;
import dev.vmbox.security.KeyMaterial;
import dev.vmbox.security.SshKeys;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.ssh.SshClient;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.VmboxHome;
import dev.vmbox.testing.FakeProviders;
import dev.vmbox.testing.GuestSshd;
import dev.vmbox.testing.LocalSshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vmbox deletes, stops or starts a Multipass VM only when it can prove it made it. Multipass keeps no mark, so the
 * proof is vmbox's record plus the guest: vmbox's SSH login with the instance's key, the host key vmbox pinned, and
 * /etc/vmbox/guest.json naming the instance. The Multipass CLI is the project's fake; the guest is the real sshd of
 * this machine configured from the cloud-config vmbox renders ({@link GuestSshd}, guest.json laid over /etc).
 */
class InstanceOwnershipTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final String ADMIN = "vmadmin";

    @TempDir
    Path tmp;
    FakeProviders fakes;
    InstanceStore store;
    KeyMaterial keys;
    final List<GuestSshd> guests = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        String why = GuestSshd.cannotOverlayEtc(Files.createDirectories(tmp.resolve("overlay-probe")));
        if (why != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true: this test must run: " + why);
            }
            assumeTrue(false, why);
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        fakes = FakeProviders.install(tmp.resolve("fakes"));
        fakes.multipassFaults(Map.of("ipv4", "127.0.0.1"));
        store = new InstanceStore(new VmboxHome(tmp.resolve("home")));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put(InstanceSettings.ADMIN_USER, ADMIN);
        store.create(new InstanceRecord(InstanceRecord.SCHEMA, "llm", "multipass", Map.of(), InstanceRecord.Phase.READY,
                null, Instant.now(), "test", settings));
        keys = SshKeys.generate(new InstanceFiles(store.dir("llm")).sshDir(), "llm", fakes.runner());
        settings.put(InstanceSettings.HOST_KEY, keys.hostKey().publicKey());
        store.write(store.read("llm").withSettings(settings));
        // the VM, as Multipass holds it (its cloud-init played by the guest below)
        fakes.runner().run(Command.of(T, "multipass", "launch", "--name", "vmbox-llm", "--cloud-init", "-",
                "--timeout", "60", "24.04").withStdin(new byte[0]));
    }

    @AfterEach
    void tearDown() {
        guests.forEach(GuestSshd::close);
    }

    /** The guest vmbox made for {@code instance}, answering with {@code hostKey}. */
    private GuestSshd guest(String instance, HostKeyPair hostKey) {
        GuestSpec spec = new GuestSpec(instance, instance, ADMIN, keys.clientPublicKey(), hostKey, RuntimeKind.OLLAMA,
                11434, EgressPolicy.SEALED, GpuKind.NONE, 1L << 30, 512, null, ProviderLogin.of("multipass", "ubuntu"));
        UserData data = CloudInitComposer.compose(spec);
        Map<String, String> dropIns = new LinkedHashMap<>();
        Map<String, String> etc = new LinkedHashMap<>();
        for (WriteFile f : data.writeFiles()) {
            if (f.path().startsWith("/etc/ssh/sshd_config.d/")) {
                dropIns.put(f.path().substring("/etc/ssh/sshd_config.d/".length()), f.content());
            } else if (f.path().equals(GuestLayout.GUEST_INFO)) {
                etc.put(f.path(), f.content());
            }
        }
        GuestSshd g = GuestSshd.start(tmp.resolve("guest-" + guests.size()), dropIns, hostKey.privateKeyOpenSsh(),
                List.of(new GuestSshd.User(ADMIN, List.of(keys.clientPublicKey()))), etc);
        guests.add(g);
        return g;
    }

    private GuestSshd ownGuest() {
        return guest("llm", keys.hostKey());
    }

    private InstanceLifecycle lifecycle(int guestPort) {
        Provider mp = new MultipassProvider(fakes.runner(), fakes.executables(), EventLog.NONE, guestPort);
        return new InstanceLifecycle(new InstanceLookup(store, new OneProvider(mp)), new GuestAccess(new SshClient(EventLog.NONE)),
                new ApiTunnel(new TunnelControl(fakes.executables()), List.of("true")), (r, u, k, t, s) -> "ok", EventLog.NONE);
    }

    private String mpState() {
        return fakes.runner().run(Command.of(T, "multipass", "info", "--format", "json", "vmbox-llm")).stdout();
    }

    @Test
    void aGuestThatProvesItIsVmboxsIsDeleted() {
        GuestSshd g = ownGuest();
        List<String> removed = lifecycle(g.port()).delete("llm", false, T);
        assertTrue(removed.contains("multipass VM and its disks"), removed.toString());
        assertEquals(List.of(), fakes.multipassInstances());
        assertFalse(store.exists("llm"));
    }

    /** Someone else's VM under vmbox's name (another host key): left alone; vmbox's record of it removed. */
    @Test
    void aGuestWithAnotherHostKeyIsLeftAloneAndTheRecordRemoved() throws IOException {
        GuestSshd g = guest("llm", SshKeys.generate(tmp.resolve("other-keys"), "llm", fakes.runner()).hostKey());
        NotVmboxException e = assertThrows(NotVmboxException.class, () -> lifecycle(g.port()).delete("llm", false, T));
        assertEquals(ExitCode.IN_USE, e.exitCode());
        assertEquals(Ownership.Kind.FOREIGN, e.ownership().kind());
        assertTrue(e.getMessage().contains("'vmbox-llm'") && e.getMessage().contains("was not made by vmbox"), e.getMessage());
        assertTrue(e.getMessage().contains("left that VM alone"), e.getMessage());
        assertEquals(List.of("vmbox-llm"), fakes.multipassInstances());
        assertFalse(store.exists("llm"), "no record is left pointing at a VM someone else owns");
        assertTrue(fakes.multipassCalls().stream().noneMatch(c -> c.get(0).equals("delete")));
    }

    @Test
    void aGuestNamingAnotherInstanceIsNotThisOne() {
        GuestSshd g = guest("other", keys.hostKey());
        NotVmboxException e = assertThrows(NotVmboxException.class, () -> lifecycle(g.port()).delete("llm", false, T));
        assertTrue(e.getMessage().contains("names 'other'"), e.getMessage());
        assertEquals(List.of("vmbox-llm"), fakes.multipassInstances());
    }

    /** A guest that does not answer cannot prove anything: the VM and vmbox's record (with its keys) both stay. */
    @Test
    void aGuestThatDoesNotAnswerIsLeftAloneWithItsRecord() throws IOException {
        NotVmboxException e = assertThrows(NotVmboxException.class,
                () -> lifecycle(LocalSshd.freePort()).delete("llm", true, T));
        assertEquals(Ownership.Kind.UNPROVEN, e.ownership().kind());
        assertTrue(e.getMessage().contains("cannot be shown to be vmbox's") && e.getMessage().contains("does not answer"),
                e.getMessage());
        assertEquals(List.of("vmbox-llm"), fakes.multipassInstances());
        assertTrue(store.exists("llm"));
    }

    /** A stopped guest is booted for the proof, then deleted. */
    @Test
    void aStoppedGuestIsBootedToProveItThenDeleted() {
        GuestSshd g = ownGuest();
        InstanceLifecycle l = lifecycle(g.port());
        fakes.runner().run(Command.of(T, "multipass", "stop", "vmbox-llm"));
        l.delete("llm", false, T);
        List<String> verbs = fakes.multipassCalls().stream().map(c -> c.get(0)).toList();
        assertTrue(verbs.indexOf("start") < verbs.lastIndexOf("delete"), verbs.toString());
        assertEquals(List.of(), fakes.multipassInstances());
    }

    /** ... and one that is not vmbox's is stopped again and left alone. */
    @Test
    void aStoppedForeignGuestIsStoppedAgainAndLeftAlone() throws IOException {
        GuestSshd g = guest("llm", SshKeys.generate(tmp.resolve("other-keys"), "llm", fakes.runner()).hostKey());
        fakes.runner().run(Command.of(T, "multipass", "stop", "vmbox-llm"));
        assertThrows(NotVmboxException.class, () -> lifecycle(g.port()).delete("llm", false, T));
        assertTrue(mpState().contains("\"state\": \"Stopped\""), mpState());
        assertEquals(List.of("vmbox-llm"), fakes.multipassInstances());
    }

    /** Without a record nothing can prove a Multipass VM is vmbox's: delete -f refuses, naming the VM. */
    @Test
    void deleteForceWithoutARecordRefusesNamingTheVm() {
        store.deleteFolder("llm");
        NotVmboxException e = assertThrows(NotVmboxException.class, () -> lifecycle(22).delete("llm", true, T));
        assertEquals(ExitCode.IN_USE, e.exitCode());
        assertTrue(e.getMessage().startsWith("vmbox has no record of 'llm'"), e.getMessage());
        assertTrue(e.getMessage().contains("the multipass VM 'vmbox-llm'"), e.getMessage());
        assertEquals(List.of("vmbox-llm"), fakes.multipassInstances());
        assertTrue(fakes.multipassCalls().stream().noneMatch(c -> List.of("delete", "stop", "start").contains(c.get(0))));
    }

    @Test
    void stopProvesARunningGuestFirst() throws IOException {
        GuestSshd own = ownGuest();
        lifecycle(own.port()).stop("llm", false, T);
        assertTrue(mpState().contains("\"state\": \"Stopped\""), mpState());

        fakes.runner().run(Command.of(T, "multipass", "start", "vmbox-llm"));
        GuestSshd other = guest("llm", SshKeys.generate(tmp.resolve("other-keys"), "llm", fakes.runner()).hostKey());
        NotVmboxException e = assertThrows(NotVmboxException.class, () -> lifecycle(other.port()).stop("llm", true, T));
        assertEquals(Ownership.Kind.FOREIGN, e.ownership().kind());
        assertTrue(mpState().contains("\"state\": \"Running\""), "left running: " + mpState());
    }

    @Test
    void theProviderItselfCannotTell() {
        Provider mp = new MultipassProvider(fakes.runner(), fakes.executables(), EventLog.NONE, 22);
        assertFalse(mp.keepsVmboxMark());
        assertEquals(Ownership.Kind.UNPROVEN, mp.ownership("llm").kind());
        assertEquals(VmState.RUNNING, mp.inspect("llm").state());
        mp.stop("llm", StopMode.GRACEFUL, T);
    }
}
