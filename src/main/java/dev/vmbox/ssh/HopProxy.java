package dev.vmbox.ssh;

import com.jcraft.jsch.Proxy;
import com.jcraft.jsch.SocketFactory;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.StreamProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;

/**
 * A JSch {@link Proxy} whose stream is an {@code ssh -W} hop through a {@link JumpHost}: JSch speaks SSH to
 * the guest over the hop's standard input and output, so the guest's host key and the instance key are
 * checked by JSch exactly as on a direct connection. The hop is killed when the session closes, and when the
 * SSH handshake has not finished within the connect timeout (there is no socket to time out).
 */
final class HopProxy implements Proxy {
    private final JumpHost jump;
    private final Executables executables;
    private final Duration connectTimeout;
    private StreamProcess process;

    HopProxy(JumpHost jump, Executables executables, Duration connectTimeout) {
        this.jump = jump;
        this.executables = executables;
        this.connectTimeout = connectTimeout;
    }

    @Override
    public void connect(SocketFactory factory, String host, int port, int timeout) {
        process = StreamProcess.start(jump.streamArgv(host, port, connectTimeout), executables,
                connectTimeout.plusSeconds(5));
    }

    /** The handshake is done: the hop now lives as long as the session. */
    void settled() {
        if (process != null) {
            process.settled();
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
        return process.stdout();
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
        }
    }
}
