package dev.vmbox.ssh;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpException;
import com.jcraft.jsch.SftpProgressMonitor;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.log.EventLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One authenticated SSH connection to a guest. Thread-safe for concurrent {@link #exec} calls (each runs on
 * its own channel). Close it when done.
 */
public final class SshSession implements AutoCloseable {
    /** Captured output per stream for {@link #exec(String, Duration)}; more is cut. */
    static final int CAPTURE_LIMIT = 8 * 1024 * 1024;

    private final Session session;
    private final SshTarget target;
    private final SshOptions options;
    private final EventLog log;

    SshSession(Session session, SshTarget target, SshOptions options, EventLog log) {
        this.session = session;
        this.target = target;
        this.options = options;
        this.log = log;
    }

    /** The underlying JSch session, for code in this package only. */
    Session jsch() {
        return session;
    }

    public SshTarget target() {
        return target;
    }

    /** True while the transport is up (keepalive failures and server restarts make it false). */
    public boolean isConnected() {
        return session.isConnected();
    }

    /**
     * Runs {@code command} through the guest user's login shell (under a guest-side {@code timeout} guard, so it
     * cannot outlive its deadline by more than 2 s even if the connection drops) and captures its output (each stream up to 8 MiB).
     * A non-zero exit status is returned, not thrown. Throws TIMEOUT when {@code timeout} passes (the remote
     * command is sent SIGKILL and its channel closed) and UNAVAILABLE when the connection drops.
     */
    public ExecResult exec(String command, Duration timeout) {
        Capture out = new Capture();
        Capture err = new Capture();
        long start = System.nanoTime();
        int status = exec(command, null, out, err, timeout);
        return new ExecResult(command, status, out.text(), err.text(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** Like {@link #exec(String, Duration)} but a non-zero exit status is a FAILED error with the stderr tail. */
    public ExecResult execChecked(String command, Duration timeout) {
        ExecResult r = exec(command, timeout);
        if (!r.ok()) {
            String tail = r.stderrTail(3);
            throw new VmboxException(ExitCode.FAILED, "command in the guest failed with exit status " + r.exitStatus()
                    + ": " + abbreviate(command) + (tail.isEmpty() ? "" : " (" + tail + ")"),
                    "run with --debug for details, or look inside with: vmbox ssh NAME");
        }
        return r;
    }

    /**
     * Runs {@code command}, feeding {@code stdin} (may be null: empty input) and streaming stdout and stderr to
     * the given streams as the data arrives. Returns the exit status (-1 if the command was killed by a signal).
     * The output streams are written from reader threads and must not block for long.
     */
    public int exec(String command, InputStream stdin, OutputStream stdout, OutputStream stderr, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ChannelExec channel;
        InputStream remoteOut;
        InputStream remoteErr;
        try {
            channel = (ChannelExec) session.openChannel("exec");
            channel.setCommand(guarded(command, timeout));
            channel.setInputStream(stdin == null ? new ByteArrayInputStream(new byte[0]) : stdin, true);
            remoteOut = channel.getInputStream();
            remoteErr = channel.getExtInputStream();
            channel.connect((int) Math.min(options.channelTimeout().toMillis(), Math.max(1, timeout.toMillis())));
        } catch (JSchException | IOException e) {
            throw channelFailure("run a command", e);
        }
        log.debug("ssh " + target.display() + ": exec " + abbreviate(command));
        AtomicReference<IOException> pumpError = new AtomicReference<>();
        Thread outPump = pump(remoteOut, stdout, pumpError, "ssh-exec-out");
        Thread errPump = pump(remoteErr, stderr, pumpError, "ssh-exec-err");
        try {
            while (!channel.isClosed() || outPump.isAlive() || errPump.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    killRemote(channel);
                    throw new VmboxException(ExitCode.TIMEOUT, "command in the guest did not finish within "
                            + timeout.toSeconds() + " s: " + abbreviate(command), "the guest may be overloaded; try again");
                }
                if (!session.isConnected()) {
                    throw lost(command);
                }
                if (channel.isClosed()) {
                    outPump.join(Math.max(1, Math.min(50, left / 1_000_000)));
                    errPump.join(Math.max(1, Math.min(50, left / 1_000_000)));
                } else {
                    Thread.sleep(Math.max(1, Math.min(5, left / 1_000_000)));
                }
            }
        } catch (InterruptedException e) {
            killRemote(channel);
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while running a command in the guest", null, e);
        } finally {
            channel.disconnect();
        }
        if (channel.getExitStatus() == -1 && !session.isConnected()) {
            // closed because the connection dropped (a keepalive gave up, the server went away), not by the command
            throw lost(command);
        }
        if (pumpError.get() != null) {
            throw new VmboxException(ExitCode.FAILED, "could not pass on the output of: " + abbreviate(command) + ": "
                    + pumpError.get().getMessage(), null, pumpError.get());
        }
        return channel.getExitStatus();
    }

    private VmboxException lost(String command) {
        return new VmboxException(ExitCode.UNAVAILABLE, "SSH connection to " + target.display()
                + " was lost while running: " + abbreviate(command), "check that the instance is running");
    }

    /**
     * The command as sent: run by the user's login shell under coreutils {@code timeout}, which kills its whole
     * process group {@link #GUARD_SLACK} after the caller's deadline. The SSH "signal" request sent on timeout
     * is not enough on its own: sshd ignores it for root logins and it cannot reach a command whose connection
     * dropped.
     */
    static String guarded(String command, Duration timeout) {
        long ms = timeout.plus(GUARD_SLACK).toMillis();
        String secs = (ms / 1000) + "." + String.format(java.util.Locale.ROOT, "%03d", ms % 1000);
        return "exec timeout -s KILL " + secs + " \"${SHELL:-/bin/sh}\" -c " + shellQuote(command);
    }

    static final Duration GUARD_SLACK = Duration.ofSeconds(2);

    private static Thread pump(InputStream in, OutputStream out, AtomicReference<IOException> error, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (out != null) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                if (!String.valueOf(e.getMessage()).contains("Pipe closed")) {
                    error.compareAndSet(null, e);
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void killRemote(ChannelExec channel) {
        try {
            channel.sendSignal("KILL");
        } catch (Exception ignored) {
            // best effort: closing the channel also ends the remote command's session
        }
        channel.disconnect();
    }

    /**
     * Uploads {@code local} to {@code remotePath} over SFTP with permissions {@code mode} (e.g. 0644). The data
     * goes to a temporary name beside the target, its sha256 is computed in the guest ({@code sha256sum}) and
     * compared with the bytes that were read locally, and only then is it renamed into place; a mismatch is
     * a SECURITY error and leaves nothing at {@code remotePath}. Safe to retry: a failed attempt leaves the
     * target unchanged. Returns the sha256 (hex).
     */
    public String upload(Path local, String remotePath, int mode, ProgressListener progress, Duration timeout) {
        if (!Files.isRegularFile(local)) {
            throw VmboxException.notFound("file to upload not found: " + local, "check the path");
        }
        if (remotePath == null || remotePath.isBlank() || remotePath.endsWith("/") || remotePath.indexOf('\0') >= 0
                || remotePath.indexOf('\n') >= 0) {
            throw VmboxException.badInput("invalid guest path for upload: " + remotePath, "give a full file path");
        }
        ProgressListener listener = progress == null ? ProgressListener.NONE : progress;
        long size;
        try {
            size = Files.size(local);
        } catch (IOException e) {
            throw VmboxException.failed("cannot read " + local + ": " + e.getMessage(), "check the file", e);
        }
        String tmp = remotePath + ".vmbox-part-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        long deadline = System.nanoTime() + timeout.toNanos();
        MessageDigest digest = sha256();
        ChannelSftp sftp;
        try {
            sftp = (ChannelSftp) session.openChannel("sftp");
            sftp.connect((int) options.channelTimeout().toMillis());
        } catch (JSchException e) {
            throw channelFailure("open SFTP", e);
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(Math.max(1, timeout.toMillis()));
                timedOut.set(true);
                sftp.disconnect();
            } catch (InterruptedException ignored) {
                // finished in time
            }
        }, "sftp-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        try (InputStream in = new DigestInputStream(Files.newInputStream(local), digest)) {
            sftp.put(in, tmp, new Monitor(listener, size), ChannelSftp.OVERWRITE);
            sftp.chmod(mode, tmp);
        } catch (SftpException | IOException e) {
            watchdog.interrupt();
            sftp.disconnect();
            removeQuietly(tmp, deadline);
            if (timedOut.get()) {
                throw new VmboxException(ExitCode.TIMEOUT, "upload of " + local.getFileName() + " did not finish within "
                        + timeout.toSeconds() + " s", "try again; large files need a longer timeout", e);
            }
            throw new VmboxException(ExitCode.FAILED, "upload of " + local.getFileName() + " to " + remotePath
                    + " failed: " + e.getMessage(), "check free space and that the folder exists in the guest", e);
        } finally {
            watchdog.interrupt();
            sftp.disconnect();
        }
        String expected = HexFormat.of().formatHex(digest.digest());
        Duration left = Duration.ofNanos(Math.max(1_000_000_000L, deadline - System.nanoTime()));
        ExecResult sum = exec("sha256sum -- " + shellQuote(tmp), left);
        String actual = sum.ok() ? sum.stdout().strip().split("\\s+")[0] : "";
        if (!sum.ok()) {
            removeQuietly(tmp, deadline);
            throw new VmboxException(ExitCode.FAILED, "could not check the uploaded file in the guest: "
                    + sum.stderrTail(2), "the guest needs sha256sum (coreutils)");
        }
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), actual.getBytes(StandardCharsets.US_ASCII))) {
            removeQuietly(tmp, deadline);
            throw new VmboxException(ExitCode.SECURITY, "uploaded " + local.getFileName() + " arrived changed (sha256 "
                    + actual + " in the guest, " + expected + " sent); it was removed", "try again; if it repeats, "
                    + "something between the host and the guest alters data");
        }
        execChecked("mv -f -- " + shellQuote(tmp) + " " + shellQuote(remotePath), left);
        log.debug("ssh " + target.display() + ": uploaded " + local.getFileName() + " (" + size + " bytes, sha256 " + expected + ")");
        return expected;
    }

    private void removeQuietly(String remote, long deadline) {
        try {
            if (session.isConnected()) {
                exec("rm -f -- " + shellQuote(remote), Duration.ofSeconds(10));
            }
        } catch (VmboxException ignored) {
            // best effort
        }
    }

    private RuntimeException channelFailure(String what, Exception e) {
        if (!session.isConnected()) {
            return new VmboxException(ExitCode.UNAVAILABLE, "SSH connection to " + target.display() + " is down; cannot "
                    + what, "check that the instance is running", e);
        }
        return new VmboxException(ExitCode.FAILED, "cannot " + what + " over SSH on " + target.display() + ": "
                + e.getMessage(), "run with --debug for details", e);
    }

    /** Quotes one word for a POSIX shell. */
    public static String shellQuote(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    static String abbreviate(String command) {
        String oneLine = command.replace('\n', ' ');
        return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 117) + "...";
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        session.disconnect();
    }

    private static final class Monitor implements SftpProgressMonitor {
        private final ProgressListener listener;
        private final long total;
        private long done;

        Monitor(ProgressListener listener, long total) {
            this.listener = listener;
            this.total = total;
        }

        @Override
        public void init(int op, String src, String dest, long max) {
            listener.progress(0, total);
        }

        @Override
        public boolean count(long count) {
            done += count;
            listener.progress(done, total);
            return true;
        }

        @Override
        public void end() {
            listener.progress(done, total);
        }
    }

    /** Bounded in-memory capture of one output stream. */
    static final class Capture extends OutputStream {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (buf.size() < CAPTURE_LIMIT) {
                buf.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int room = CAPTURE_LIMIT - buf.size();
            if (room > 0) {
                buf.write(b, off, Math.min(room, len));
            }
        }

        synchronized String text() {
            return buf.toString(StandardCharsets.UTF_8);
        }
    }
}
