package dev.vmbox.cloudinit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.provider.lima.LimaTemplate;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.KeyMaterial;
import dev.vmbox.security.SshKeys;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.testing.GuestSshd;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The providers' own SSH access against the REAL sshd of this machine (OpenSSH 9.2 on Debian 12), configured with the
 * drop-ins and host key taken from the cloud-config vmbox renders for each provider ({@link GuestSshd}: Debian's stock
 * sshd_config, the guest's users in a mount namespace). Each provider's management user logs in with its own key
 * and runs what that provider runs over SSH (docs/decisions/0013-provider-ssh-access.md): Lima's host agent its
 * readiness requirements (scripts on stdin, through a ControlMaster, as sshocker's ExecuteScript sends them) and
 * {@code limactl shell}; Multipass's daemon, with its RSA key and its two ciphers, its launch wait, {@code exec},
 * {@code shell} and {@code transfer} (sftp). Every other user is refused, and so is every forward those users do not
 * use. Canonical/multipass#4281 (AllowUsers without {@code ubuntu}: launch times out) is the libvirt drop-in case.
 */
class ProviderSshAccessTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final int REFUSED = 255;
    private static final String ADMIN = "vmadmin";

    @TempDir
    Path tmp;

    private KeyMaterial vmboxKeys;
    private Path limaKey;
    private Path multipassKey;
    private Path otherKey;
    private ServerSocket runtime;
    private final List<GuestSshd> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        String why = GuestSshd.cannotRun();
        if (why != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true: this test must run: " + why);
            }
            assumeTrue(false, why);
        }
        // the guest's users reach their homes below this folder
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        vmboxKeys = SshKeys.generate(tmp.resolve("vmbox-keys"), "golden", RealTools.RUNNER);
        Path keys = Files.createDirectories(tmp.resolve("provider-keys"));
        // Lima's key: $LIMA_HOME/_config/user (pkg/sshutil/sshutil.go: ssh-keygen -t ed25519 -q -N "" -C lima)
        limaKey = keygen(keys.resolve("lima-user"), "-t", "ed25519", "-C", "lima");
        // Multipass's daemon key: RSA 2048 (src/ssh/openssh_key_provider.cpp), "ubuntu@localhost" in vendor-data
        multipassKey = keygen(keys.resolve("multipass-id_rsa"), "-t", "rsa", "-b", "2048", "-C", "ubuntu@localhost");
        otherKey = keygen(keys.resolve("mallory"), "-t", "ed25519", "-C", "mallory");
        // the model server: something listening on the guest's 127.0.0.1, on the port the drop-in names
        runtime = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::serveRuntime, "runtime-standin");
        accept.setDaemon(true);
        accept.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        for (GuestSshd s : started) {
            s.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    // ---- Lima ----------------------------------------------------------------------------------------------

    @Test
    void limaHostAgentRunsItsRequirementsThroughAControlMasterAndLimactlShellGetsAPty() throws IOException {
        GuestSshd sshd = guest(ProviderLogin.of("lima", "lima"));
        Lima lima = new Lima(sshd.port(), limaKey, Files.createDirectories(tmp.resolve("lima-instance")));

        // essential 1 "ssh": a new connection, no master (requirements.go: noMaster)
        assertEquals(0, lima.executeScript(false, "#!/bin/sh\ntrue\n").exitCode());
        // essential 2 "Explicitly start ssh ControlMaster": starts the persistent master <instDir>/ssh.sock
        assertEquals(0, lima.executeScript(true, "#!/bin/sh\ntrue\n").exitCode());
        CommandResult check = lima.ssh(true, List.of("-O", "check"), List.of(), null);
        assertEquals(0, check.exitCode(), check.stderr());
        assertTrue(check.stderr().contains("Master running"), check.stderr());
        // optional: vmbox's readiness probe, through the master; it answers what the guest holds (no vmbox here)
        String probe = "#!/bin/sh\ntest -f " + LimaTemplate.GUEST_MARKER + "\n";
        assertEquals(Files.exists(Path.of(LimaTemplate.GUEST_MARKER)) ? 0 : 1, lima.executeScript(true, probe).exitCode());
        // final "boot scripts must have finished": ran by the guest's /bin/sh (set -x shows its steps)
        CommandResult bootDone = lima.executeScript(true, "#!/bin/sh\nset -eux\nBOOT_DONE=/run/lima-boot-done\n"
                + "[ \"$(cat \"$BOOT_DONE\" 2>/dev/null)\" = \"iid-1767225600\" ]\n");
        assertEquals(1, bootDone.exitCode(), bootDone.stderr());
        assertTrue(bootDone.stderr().contains("BOOT_DONE=/run/lima-boot-done"), bootDone.stderr());
        // the scripts run as the Lima user, over the same master
        CommandResult who = lima.executeScript(true, "#!/bin/sh\nid -un\n");
        assertEquals("lima", who.stdout().strip(), who.stderr());
        // limactl shell: the same options and master, -t where stdout is a terminal (forced here), exec <shell> -l -c
        CommandResult shell = lima.ssh(true, List.of("-tt"), List.of("cd", "/", ";", "exec", "/bin/bash", "-l", "-c",
                "'tty; id -un'"), null);
        assertEquals(0, shell.exitCode(), shell.stderr());
        assertTrue(shell.stdout().contains("/dev/pts/"), shell.stdout());
        assertTrue(shell.stdout().contains("lima"), shell.stdout());
        // the host agent's clean-up: ssh -O exit
        assertEquals(0, lima.ssh(true, List.of("-O", "exit"), List.of(), null).exitCode());

        // the admin keeps what it had: its key, the pinned host key, a forward to the runtime's port only
        assertAdminAsBefore(sshd);
    }

    @Test
    void limaUserMayForwardNothing() throws IOException {
        GuestSshd sshd = guest(ProviderLogin.of("lima", "lima"));
        Lima lima = new Lima(sshd.port(), limaKey, Files.createDirectories(tmp.resolve("lima-instance")));
        // a TCP forward (as an SSH port forwarder or a static portForward would open) to the runtime, which the
        // admin may reach
        CommandResult local = lima.ssh(false, List.of("-W", "127.0.0.1:" + runtime.getLocalPort()), List.of(), new byte[0]);
        assertForwardRefused(local);
        CommandResult remote = lima.ssh(false, List.of("-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:0:127.0.0.1:22"),
                List.of(), null);
        assertEquals(REFUSED, remote.exitCode(), remote.stderr());
        assertTrue(remote.stderr().contains("remote port forwarding failed"), remote.stderr());
        assertNoForwarding(sshd.effectiveConfig("lima"));
    }

    @Test
    void inALimaGuestEveryoneElseIsRefused() throws IOException {
        GuestSshd sshd = guest(ProviderLogin.of("lima", "lima"));
        assertRefused(sshd, "ubuntu", multipassKey);
        assertRefused(sshd, "mallory", otherKey);
        assertRefused(sshd, "root", limaKey);
        // a key is not a user: Lima's key does not open the admin's account, nor vmbox's the Lima user's
        assertRefused(sshd, ADMIN, limaKey);
        assertRefused(sshd, "lima", vmboxKeys.clientPrivateKey());
    }

    // ---- Multipass -----------------------------------------------------------------------------------------

    @Test
    void multipassDaemonWaitsForCloudInitExecsTransfersAndOpensAShellWithItsRsaKeyAndCiphers() throws IOException {
        GuestSshd sshd = guest(ProviderLogin.of("multipass", "ubuntu"));
        Multipass mp = new Multipass(sshd.port(), multipassKey);
        String bootFinished = "[ -e /var/lib/cloud/instance/boot-finished ]";
        int expected = Files.exists(Path.of("/var/lib/cloud/instance/boot-finished")) ? 0 : 1;
        // plain_ssh_session.cpp sets both ciphers in both directions; each one alone must be enough
        for (String cipher : List.of("chacha20-poly1305@openssh.com,aes256-ctr", "chacha20-poly1305@openssh.com",
                "aes256-ctr")) {
            CommandResult r = mp.exec(cipher, List.of(), bootFinished);
            assertEquals(expected, r.exitCode(), cipher + ": " + r.stderr());
        }
        CommandResult who = mp.exec(Multipass.CIPHERS, List.of(), "id -un");
        assertEquals("ubuntu", who.stdout().strip(), who.stderr());
        // multipass exec: "cd <dir> && <args>"; info's network probe
        CommandResult exec = mp.exec(Multipass.CIPHERS, List.of(), "cd /tmp && echo exec-ok");
        assertEquals("exec-ok", exec.stdout().strip(), exec.stderr());
        // multipass shell: a shell request with a PTY
        CommandResult shell = mp.exec(Multipass.CIPHERS, List.of("-tt"), "tty");
        assertEquals(0, shell.exitCode(), shell.stderr());
        assertTrue(shell.stdout().contains("/dev/pts/"), shell.stdout());
        // multipass transfer: an SFTP session (the sftp subsystem)
        Path local = Files.writeString(tmp.resolve("transfer.txt"), "transfer-ok\n");
        Path batch = Files.writeString(tmp.resolve("sftp-batch"), "put " + local + " transfer.txt\nls -1\n");
        CommandResult sftp = GuestSshd.RUNNER.run(Command.of(T, "sftp", "-F", "/dev/null", "-b", batch.toString(),
                "-i", multipassKey.toString(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "Ciphers=" + Multipass.CIPHERS, "-P", Integer.toString(sshd.port()), "ubuntu@127.0.0.1")
                .allowExitCodes(1, REFUSED));
        assertEquals(0, sftp.exitCode(), sftp.stderr());
        assertEquals("transfer-ok\n", Files.readString(sshd.home("ubuntu").resolve("transfer.txt")));

        assertAdminAsBefore(sshd);
    }

    @Test
    void ubuntuMayForwardNothing() {
        GuestSshd sshd = guest(ProviderLogin.of("multipass", "ubuntu"));
        Multipass mp = new Multipass(sshd.port(), multipassKey);
        assertForwardRefused(mp.ssh(List.of("-W", "127.0.0.1:" + runtime.getLocalPort()), List.of(), new byte[0]));
        CommandResult remote = mp.ssh(List.of("-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:0:127.0.0.1:22"),
                List.of(), null);
        assertEquals(REFUSED, remote.exitCode(), remote.stderr());
        assertNoForwarding(sshd.effectiveConfig("ubuntu"));
    }

    @Test
    void inAMultipassGuestEveryoneElseIsRefused() {
        GuestSshd sshd = guest(ProviderLogin.of("multipass", "ubuntu"));
        assertRefused(sshd, "lima", limaKey);
        assertRefused(sshd, "mallory", otherKey);
        assertRefused(sshd, "root", multipassKey);
        assertRefused(sshd, ADMIN, multipassKey);
    }

    /**
     * canonical/multipass#4281: a user-data whose sshd drop-in says {@code AllowUsers myuser} without {@code ubuntu}
     * makes every launch end in "Timed out waiting for instance launch": the daemon's logins are refused. That is
     * vmbox's drop-in for libvirt; the one for Multipass lets the daemon in.
     */
    @Test
    void issue4281TheLibvirtDropInShutsOutMultipassTheMultipassOneDoesNot() {
        GuestSshd libvirt = guest(ProviderLogin.NONE);
        String bootFinished = "[ -e /var/lib/cloud/instance/boot-finished ]";
        CommandResult refused = new Multipass(libvirt.port(), multipassKey).exec(Multipass.CIPHERS, List.of(), bootFinished);
        assertEquals(REFUSED, refused.exitCode(), refused.stderr());
        assertTrue(refused.stderr().contains("Permission denied (publickey)"), refused.stderr());
        assertTrue(libvirt.log().contains("User ubuntu from 127.0.0.1 not allowed because not listed in AllowUsers"),
                libvirt.log());
        assertEquals(List.of(ADMIN), libvirt.effectiveConfig(ADMIN).get("allowusers"));
        assertAdminAsBefore(libvirt);

        GuestSshd multipass = guest(ProviderLogin.of("multipass", "ubuntu"));
        CommandResult allowed = new Multipass(multipass.port(), multipassKey).exec(Multipass.CIPHERS, List.of(), bootFinished);
        assertTrue(allowed.exitCode() == 0 || allowed.exitCode() == 1, allowed.stderr());
    }

    @Test
    void theMatchBlockEndsWithItsFileAndLeavesTheAdminAndLaterDropInsAlone() {
        GuestSshd sshd = guest(ProviderLogin.of("multipass", "ubuntu"),
                Map.of("50-cloud-init.conf", "PasswordAuthentication yes\n", "90-later.conf", "X11Forwarding yes\n"));
        Map<String, List<String>> admin = sshd.effectiveConfig(ADMIN);
        assertEquals(List.of("no"), admin.get("disableforwarding"));
        assertEquals(List.of("local"), admin.get("allowtcpforwarding"));
        assertEquals(List.of("127.0.0.1:" + runtime.getLocalPort()), admin.get("permitopen"));
        assertEquals(List.of("no"), admin.get("passwordauthentication"));
        assertEquals(List.of("no"), admin.get("x11forwarding"));
        assertEquals(List.of(ADMIN, "ubuntu"), admin.get("allowusers"));
        Map<String, List<String>> ubuntu = sshd.effectiveConfig("ubuntu");
        assertEquals(List.of("no"), ubuntu.get("passwordauthentication"));
        assertEquals(List.of("publickey"), ubuntu.get("authenticationmethods"));
        assertEquals(List.of("yes"), ubuntu.get("permittty"));
    }

    // ---- the guest -----------------------------------------------------------------------------------------

    private GuestSshd guest(ProviderLogin login) {
        return guest(login, Map.of());
    }

    /** An sshd as in a guest made for {@code login}'s provider, with extra drop-ins beside vmbox's. */
    private GuestSshd guest(ProviderLogin login, Map<String, String> extraDropIns) {
        GuestSpec spec = new GuestSpec("golden", "golden", ADMIN, vmboxKeys.clientPublicKey(), vmboxKeys.hostKey(),
                RuntimeKind.OLLAMA, runtime.getLocalPort(), EgressPolicy.SEALED, GpuKind.NONE, 8L << 30, 512, null, login);
        UserData data = CloudInitComposer.compose(spec);
        Map<String, String> dropIns = new LinkedHashMap<>();
        for (WriteFile f : data.writeFiles()) {
            if (f.path().startsWith("/etc/ssh/sshd_config.d/")) {
                dropIns.put(f.path().substring("/etc/ssh/sshd_config.d/".length()), f.content());
            }
        }
        assertEquals(List.of("00-vmbox.conf", "01-vmbox-access.conf"), List.copyOf(dropIns.keySet()));
        dropIns.putAll(extraDropIns);
        List<GuestSshd.User> users = new ArrayList<>();
        for (User u : data.users()) {
            users.add(new GuestSshd.User(u.name(), u.sshAuthorizedKeys() == null ? List.of() : u.sshAuthorizedKeys()));
        }
        // the providers put their users in themselves (Lima's cidata user-data; Multipass's vendor-data and its
        // "default" user); here they exist in every guest, so only sshd's configuration decides who gets in
        users.add(new GuestSshd.User("lima", List.of(pub(limaKey))));
        users.add(new GuestSshd.User("ubuntu", List.of(pub(multipassKey))));
        users.add(new GuestSshd.User("mallory", List.of(pub(otherKey))));
        GuestSshd sshd = GuestSshd.start(tmp.resolve("guest-" + started.size()), dropIns,
                data.sshKeys().get("ed25519_private"), users);
        started.add(sshd);
        return sshd;
    }

    /** vmbox's admin: its own key, the pinned host key checked, a forward to the runtime's port and to no other. */
    private void assertAdminAsBefore(GuestSshd sshd) {
        Path knownHosts = tmp.resolve("known_hosts-" + sshd.port());
        try {
            Files.writeString(knownHosts, "[127.0.0.1]:" + sshd.port() + " " + vmboxKeys.hostKey().publicKey() + "\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        List<String> base = List.of("ssh", "-F", "/dev/null", "-i", vmboxKeys.clientPrivateKey().toString(),
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
                "-p", Integer.toString(sshd.port()), "-l", ADMIN);
        CommandResult who = run(concat(base, List.of("127.0.0.1", "id -un")), null);
        assertEquals(ADMIN, who.stdout().strip(), who.stderr() + "\nsshd's log:\n" + sshd.log());
        CommandResult toRuntime = run(concat(base, List.of("-W", "127.0.0.1:" + runtime.getLocalPort(), "127.0.0.1")),
                "ping\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(0, toRuntime.exitCode(), toRuntime.stderr());
        assertEquals("runtime\n", toRuntime.stdout());
        assertForwardRefused(run(concat(base, List.of("-W", "127.0.0.1:" + sshd.port(), "127.0.0.1")), new byte[0]));
    }

    private void assertRefused(GuestSshd sshd, String user, Path key) {
        CommandResult r = run(List.of("ssh", "-F", "/dev/null", "-i", key.toString(), "-o", "IdentitiesOnly=yes",
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-p", Integer.toString(sshd.port()), "-l", user, "127.0.0.1", "true"), null);
        assertEquals(REFUSED, r.exitCode(), user + " got in: " + r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("Permission denied (publickey)"), r.stderr());
    }

    private static void assertForwardRefused(CommandResult r) {
        assertTrue(r.exitCode() != 0, "the forward was allowed: " + r.stdout());
        assertTrue(r.stderr().contains("administratively prohibited"), r.stderr());
        assertFalse(r.stdout().contains("runtime"), r.stdout());
    }

    private static void assertNoForwarding(Map<String, List<String>> cfg) {
        assertEquals(List.of("yes"), cfg.get("disableforwarding"), cfg.toString());
        assertEquals(List.of("none"), cfg.get("permitopen"), cfg.toString());
        assertEquals(List.of("none"), cfg.get("permitlisten"), cfg.toString());
        assertEquals(List.of("no"), cfg.get("permittunnel"), cfg.toString());
        assertEquals(List.of("no"), cfg.get("allowagentforwarding"), cfg.toString());
        assertEquals(List.of("no"), cfg.get("allowstreamlocalforwarding"), cfg.toString());
        assertEquals(List.of("no"), cfg.get("x11forwarding"), cfg.toString());
        assertEquals(List.of("publickey"), cfg.get("authenticationmethods"), cfg.toString());
        assertEquals(List.of("no"), cfg.get("passwordauthentication"), cfg.toString());
    }

    // ---- the providers' SSH clients -----------------------------------------------------------------------

    /**
     * Lima's host agent: OpenSSH's ssh with the options of pkg/sshutil (CommonOpts + SSHOpts), the ControlMaster at
     * {@code <instDir>/ssh.sock}, and scripts sent as sshocker's ExecuteScript sends them (the interpreter as the
     * command, the script on stdin), each first wrapped by the host agent's prefixExportParam.
     */
    private record Lima(int port, Path key, Path instDir) {

        List<String> options(boolean master) {
            List<String> o = new ArrayList<>(List.of("-F", "/dev/null", "-o", "IdentityFile=\"" + key + "\"",
                    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                    "-o", "NoHostAuthenticationForLocalhost=yes", "-o", "PreferredAuthentications=publickey",
                    "-o", "Compression=no", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                    "-o", "GSSAPIAuthentication=no", "-o", "Ciphers=\"^chacha20-poly1305@openssh.com\"",
                    "-o", "User=lima"));
            if (master) {
                o.addAll(List.of("-o", "ControlMaster=auto", "-o", "ControlPath=\"" + instDir.resolve("ssh.sock") + "\"",
                        "-o", "ControlPersist=yes"));
            }
            return o;
        }

        /** {@code ssh <options> <extra> -p PORT 127.0.0.1 [-- command...]}. */
        CommandResult ssh(boolean master, List<String> extra, List<String> command, byte[] stdin) {
            List<String> argv = new ArrayList<>(List.of("ssh"));
            argv.addAll(options(master));
            argv.addAll(extra);
            argv.addAll(List.of("-p", Integer.toString(port), "127.0.0.1"));
            if (!command.isEmpty()) {
                argv.add("--");
                argv.addAll(command);
            }
            return run(argv, stdin);
        }

        CommandResult executeScript(boolean master, String script) {
            String wrapped = prefixExportParam(script);
            String interpreter = wrapped.substring(2, wrapped.indexOf('\n'));
            return ssh(master, List.of(), List.of(interpreter), wrapped.getBytes(StandardCharsets.UTF_8));
        }

        /** pkg/hostagent/requirements.go prefixExportParam, for a Linux guest. */
        static String prefixExportParam(String script) {
            String interpreter = script.substring(2, script.indexOf('\n'));
            String exportParam = "param_env=\"$(sudo cat /mnt/lima-cidata/param.env)\"; while read -r line; do "
                    + "[ -n \"$line\" ] && export \"$line\"; done<<EOF\\n${param_env}\\nEOF\\n";
            interpreter = interpreter.replace("%", "%%").replace("'", "'\"'\"'");
            exportParam = exportParam.replace("%", "%%").replace("'", "'\"'\"'");
            return "#!/bin/bash -c \"$(printf '" + exportParam + interpreter + "')\"\n" + script;
        }
    }

    /**
     * Multipass's daemon: libssh as user {@code ubuntu} with the daemon's RSA key, ciphers
     * chacha20-poly1305@openssh.com and aes256-ctr only (src/ssh/plain_ssh_session.cpp), no host key check, one
     * exec request per command. OpenSSH's ssh stands in for libssh with the same choices.
     */
    private record Multipass(int port, Path key) {
        static final String CIPHERS = "chacha20-poly1305@openssh.com,aes256-ctr";

        CommandResult exec(String ciphers, List<String> extra, String command) {
            List<String> argv = new ArrayList<>(List.of("-o", "Ciphers=" + ciphers));
            argv.addAll(extra);
            return ssh(argv, List.of(command), null);
        }

        CommandResult ssh(List<String> extra, List<String> command, byte[] stdin) {
            List<String> argv = new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-i", key.toString(),
                    "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "PubkeyAcceptedAlgorithms=rsa-sha2-512,rsa-sha2-256",
                    "-o", "ConnectTimeout=5"));
            argv.addAll(extra);
            argv.addAll(List.of("-p", Integer.toString(port), "-l", "ubuntu", "127.0.0.1"));
            argv.addAll(command);
            return run(argv, stdin);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static CommandResult run(List<String> argv, byte[] stdin) {
        Command c = Command.of(T, argv).allowExitCodes(1, 2, REFUSED);
        return GuestSshd.RUNNER.run(stdin == null ? c : c.withStdin(stdin));
    }

    private static Path keygen(Path file, String... typeAndComment) {
        List<String> argv = new ArrayList<>(List.of("ssh-keygen", "-q", "-N", ""));
        argv.addAll(List.of(typeAndComment));
        argv.addAll(List.of("-f", file.toString()));
        GuestSshd.RUNNER.run(Command.of(T, argv));
        return file;
    }

    private static String pub(Path key) {
        try {
            return Files.readString(Path.of(key + ".pub")).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** The stand-in model server: reads a line, answers "runtime". */
    private void serveRuntime() {
        while (!runtime.isClosed()) {
            try (Socket s = runtime.accept()) {
                InputStream in = s.getInputStream();
                while (in.read() > 0 && in.available() > 0) {
                    // drain what the client sent
                }
                OutputStream out = s.getOutputStream();
                out.write("runtime\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                return;
            }
        }
    }
}
