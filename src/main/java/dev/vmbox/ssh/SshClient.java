package dev.vmbox.ssh;

import dev.vmbox.store.SecureFiles;
import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.UserInfo;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Executables;
import dev.vmbox.log.EventLog;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Opens SSH sessions to a guest with JSch: public-key authentication with the instance's key only, and
 * only the instance's pinned host key is accepted. A different key is refused with a SECURITY error; no
 * key is ever learned from the network.
 */
public final class SshClient {
    private final EventLog log;
    private final Executables executables;

    public SshClient(EventLog log) {
        this(log, Executables.fromEnvironment(System.getenv()));
    }

    /** @param executables where the system {@code ssh} for a {@link JumpHost} hop is found */
    public SshClient(EventLog log, Executables executables) {
        this.log = log == null ? EventLog.NONE : log;
        this.executables = executables;
    }

    /**
     * Connects and authenticates. Attempts that fail because the server is not reachable yet (connection
     * refused, reset, or closed during the handshake) are retried up to {@link SshOptions#connectAttempts}
     * times with a short backoff; host-key and authentication failures are never retried.
     */
    public SshSession connect(SshTarget target, SshOptions options) {
        SecureFiles.checkPrivateKey(target.privateKey());
        PinnedHostKey pinned = target.hostKey();
        long backoffMs = 250;
        for (int attempt = 1; ; attempt++) {
            try {
                return attempt(target, options, pinned);
            } catch (TransientConnectFailure e) {
                if (attempt >= options.connectAttempts()) {
                    throw new VmboxException(ExitCode.UNAVAILABLE, "cannot reach SSH at " + target.host() + ":" + target.port()
                            + ": " + e.getMessage(), "check that the instance is running (vmbox status)", e.getCause());
                }
                log.debug("ssh " + target.display() + ": " + e.getMessage() + "; retry " + (attempt + 1) + "/"
                        + options.connectAttempts() + " in " + backoffMs + " ms");
                sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 2000);
            }
        }
    }

    private SshSession attempt(SshTarget target, SshOptions options, PinnedHostKey pinned) {
        JSch jsch = new JSch();
        PinnedRepository repo = new PinnedRepository(pinned);
        jsch.setHostKeyRepository(repo);
        Session session;
        try {
            jsch.addIdentity(target.privateKey().toString());
            session = jsch.getSession(target.user(), target.host(), target.port());
        } catch (JSchException e) {
            throw new VmboxException(ExitCode.SECURITY, "cannot load SSH private key " + target.privateKey() + ": "
                    + safeMessage(e), "the key must be an unencrypted OpenSSH private key (ssh-keygen -t ed25519)", e);
        }
        session.setConfig("StrictHostKeyChecking", "yes");
        session.setConfig("HashKnownHosts", "no");
        session.setConfig("PreferredAuthentications", "publickey");
        session.setConfig("kex", SshOptions.KEX);
        session.setConfig("CheckKexes", SshOptions.KEX);
        session.setConfig("server_host_key", pinned.hostKeyAlgorithm());
        session.setConfig("cipher.c2s", SshOptions.CIPHERS);
        session.setConfig("cipher.s2c", SshOptions.CIPHERS);
        session.setConfig("CheckCiphers", SshOptions.CIPHERS);
        session.setConfig("mac.c2s", SshOptions.MACS);
        session.setConfig("mac.s2c", SshOptions.MACS);
        session.setConfig("PubkeyAcceptedAlgorithms", SshOptions.PUBKEY_ALGORITHMS);
        session.setConfig("compression.c2s", "none");
        session.setConfig("compression.s2c", "none");
        session.setUserInfo(NO_PROMPTS);
        HopProxy hop = target.jumpHost().map(j -> new HopProxy(j, executables, options.connectTimeout(),
                options.keepaliveInterval())).orElse(null);
        if (hop != null) {
            session.setProxy(hop);
        }
        try {
            session.setServerAliveInterval((int) options.keepaliveInterval().toMillis());
            session.setServerAliveCountMax(options.keepaliveCountMax());
        } catch (JSchException e) {
            throw new IllegalStateException(e);
        }
        long started = System.nanoTime();
        try {
            session.connect((int) options.connectTimeout().toMillis());
        } catch (JSchException e) {
            session.disconnect();
            if (hop != null && repo.mismatch.get() == null) {
                hopFailure(target, hop.failure(), e);
            }
            throw classify(target, pinned, repo, e);
        }
        if (hop != null) {
            hop.settled();
        }
        log.debug("ssh " + target.display() + ": connected in " + (System.nanoTime() - started) / 1_000_000 + " ms ("
                + session.getServerVersion() + ")");
        return new SshSession(session, target, options, log);
    }

    private RuntimeException classify(SshTarget target, PinnedHostKey pinned, PinnedRepository repo, JSchException e) {
        byte[] seen = repo.mismatch.get();
        if (seen != null) {
            return new VmboxException(ExitCode.SECURITY, "host key of " + target.host() + ":" + target.port()
                    + " does not match the pinned key (offered " + PinnedHostKey.fingerprint(seen) + ", pinned "
                    + pinned.fingerprint() + "); refusing to connect",
                    "someone may be intercepting the connection, or the VM was replaced outside vmbox; "
                            + "do not trust it: inspect or recreate the instance", e);
        }
        String m = String.valueOf(e.getMessage());
        Throwable cause = e.getCause();
        if (m.contains("Auth fail") || m.contains("USERAUTH fail")) {
            return new VmboxException(ExitCode.SECURITY, "SSH login as '" + target.user() + "' to " + target.host() + ":"
                    + target.port() + " was refused: the instance key was not accepted",
                    "the guest does not hold this instance's public key; recreate the instance", e);
        }
        if (m.contains("Algorithm negotiation fail") || m.contains("algorithm") && m.contains("not supported")) {
            return new VmboxException(ExitCode.SECURITY, "SSH server at " + target.host() + ":" + target.port()
                    + " offers none of vmbox's algorithms: " + m,
                    "the guest's sshd must allow curve25519, " + pinned.type() + " and AES-GCM/CTR", e);
        }
        if (cause instanceof ConnectException || cause instanceof NoRouteToHostException
                || cause instanceof SocketException || m.contains("Connection refused")
                || m.contains("connection is closed by foreign host") || m.contains("Connection reset")
                || m.contains("invalid server's version string") || m.contains("Session.connect: java.net.SocketException")) {
            return new TransientConnectFailure(cause instanceof Exception ? cause.getMessage() : m, e);
        }
        if (cause instanceof SocketTimeoutException || m.contains("timeout") || m.contains("timed out")) {
            return new VmboxException(ExitCode.TIMEOUT, "SSH to " + target.host() + ":" + target.port()
                    + " timed out after " + m, "check that the instance is running and its SSH port is forwarded", e);
        }
        return new VmboxException(ExitCode.FAILED, "SSH to " + target.host() + ":" + target.port() + " failed: " + m,
                "run with --debug for details", e);
    }

    /**
     * Turns a failed hop into one clear error when the jump host itself refused or could not be reached; a hop
     * that reached the host but found the guest's forward closed (the VM still booting) is left to
     * {@link #classify}, which retries it.
     */
    private static void hopFailure(SshTarget target, String stderr, JSchException e) {
        JumpHost jump = target.jump();
        String hint = "vmbox reaches the VM the way libvirt reaches its host: check that `" + jump.command() + " "
                + jump.display() + " true` works without a prompt (a key or an agent, the host in known_hosts)";
        if (stderr.contains("Host key verification failed") || stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
                || stderr.contains("No ED25519 host key is known") || stderr.contains("host key is known for")) {
            throw new HopFailedException(ExitCode.SECURITY, "the host key of " + jump.display()
                    + " is not the one in your known_hosts; refusing to reach the VM through it", hint, e);
        }
        if (stderr.contains("administratively prohibited")) {
            throw new HopFailedException(ExitCode.UNAVAILABLE, "the VM's host " + jump.display()
                    + " does not allow forwarding to the VM (" + lastLine(stderr, "administratively prohibited") + ")",
                    "allow TCP forwarding for your user in that host's sshd_config (AllowTcpForwarding local)", e);
        }
        for (String fatal : new String[] {"Permission denied", "Could not resolve", "No route to host", "Connection timed out",
                "Operation timed out", "connect to host " + jump.address()}) {
            if (stderr.contains(fatal)) {
                throw new HopFailedException(ExitCode.UNAVAILABLE, "cannot reach the VM's host " + jump.display() + ": "
                        + lastLine(stderr, fatal), hint, e);
            }
        }
    }

    /** The line of ssh's stderr that says {@code what}. */
    private static String lastLine(String stderr, String what) {
        String found = stderr;
        for (String line : stderr.split("\\R")) {
            if (line.contains(what)) {
                found = line.strip();
            }
        }
        return found;
    }

    /** Whether {@code e} means "not reachable yet", so a wait loop may try again. */
    static final class TransientConnectFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TransientConnectFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static String safeMessage(Exception e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("PRIVATE KEY") ? "invalid key" : m;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while connecting", null, e);
        }
    }

    private static final UserInfo NO_PROMPTS = new UserInfo() {
        @Override
        public String getPassphrase() {
            return null;
        }

        @Override
        public String getPassword() {
            return null;
        }

        @Override
        public boolean promptPassword(String message) {
            return false;
        }

        @Override
        public boolean promptPassphrase(String message) {
            return false;
        }

        @Override
        public boolean promptYesNo(String message) {
            return false;
        }

        @Override
        public void showMessage(String message) {
        }
    };

    /** A host-key repository that holds exactly one key and can never learn another. */
    static final class PinnedRepository implements HostKeyRepository {
        private final PinnedHostKey pinned;
        final AtomicReference<byte[]> mismatch = new AtomicReference<>();

        PinnedRepository(PinnedHostKey pinned) {
            this.pinned = pinned;
        }

        @Override
        public int check(String host, byte[] key) {
            if (pinned.matches(key)) {
                return OK;
            }
            mismatch.set(key == null ? new byte[0] : key.clone());
            return CHANGED;
        }

        @Override
        public void add(HostKey hostkey, UserInfo ui) {
            // never learn keys
        }

        @Override
        public void remove(String host, String type) {
        }

        @Override
        public void remove(String host, String type, byte[] key) {
        }

        @Override
        public String getKnownHostsRepositoryID() {
            return "vmbox-pinned";
        }

        @Override
        public HostKey[] getHostKey() {
            return new HostKey[0];
        }

        @Override
        public HostKey[] getHostKey(String host, String type) {
            return new HostKey[0];
        }
    }
}
