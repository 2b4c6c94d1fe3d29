package dev.vmbox.ssh;

import com.jcraft.jsch.Proxy;
import com.jcraft.jsch.SocketFactory;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.StreamProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;

/**
 * A JSch {@link Proxy} whose stream is an {@code ssh -W} hop through a {@link JumpHost}: JSch speaks SSH to
 * the guest over the hop's standard input and output, so the guest's host key and the instance key are
 * checked by JSch exactly as on a direct connection. The hop is killed when the session closes, and when the
 * SSH handshake has not finished within the connect timeout (there is no socket to time out).
 *
 * <p>The hop's output is read through an {@link IdleTimeoutInputStream}: once {@link #settled()}, a read that
 * waits longer than the keepalive interval times out as a socket with {@code SO_TIMEOUT} would, which is what
 * makes JSch send its server-alive probes and drop a guest that stopped answering behind a live jump host.
 */
final class HopProxy implements Proxy {
    private final JumpHost jump;
    private final Executables executables;
    private final Duration connectTimeout;
    private final Duration keepaliveInterval;
    private StreamProcess process;
    private IdleTimeoutInputStream stdout;

    /** @param keepaliveInterval the session's server-alive interval: reads of the hop time out after it once settled */
    HopProxy(JumpHost jump, Executables executables, Duration connectTimeout, Duration keepaliveInterval) {
        this.jump = jump;
        this.executables = executables;
        this.connectTimeout = connectTimeout;
        this.keepaliveInterval = keepaliveInterval;
    }

    @Override
    public void connect(SocketFactory factory, String host, int port, int timeout) {
        process = StreamProcess.start(jump.streamArgv(host, port, connectTimeout), executables,
                connectTimeout.plusSeconds(5));
        stdout = IdleTimeoutInputStream.start(process.stdout(), keepaliveInterval, "ssh-hop-reader");
    }

    /**
     * The handshake is done: the hop now lives as long as the session, and its reads time out after the
     * keepalive interval so that JSch probes the guest.
     */
    void settled() {
        if (process != null) {
            process.settled();
            stdout.arm();
        }
    }

    /**
     * What the hop wrote to stderr, once it has ended (empty while it runs). Called after the SSH handshake
     * failed: a hop that is ending has closed its output already, so it is given a moment to exit. All of it
     * matters: ssh's reason ("administratively prohibited") may come before its last line.
     */
    String failure() {
        if (process == null || !process.waitFor(Duration.ofSeconds(2))) {
            return "";
        }
        return process.stderr();
    }

    @Override
    public InputStream getInputStream() {
        return stdout;
    }

    @Override
    public OutputStream getOutputStream() {
        return process.stdin();
    }

    @Override
    public Socket getSocket() {
        return null;
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
            try {
                stdout.close();
            } catch (IOException ignored) {
                // the hop is gone either way
            }
        }
    }
}
