package dev.vmbox.ssh;

import com.jcraft.jsch.JSchException;
import dev.vmbox.log.EventLog;

/**
 * Benchmark helper only (scripts/bench-tunnel): JSch's own {@code setPortForwardingL}, the forwarder vmbox
 * decided against (docs/decisions/0001-tunnel-uses-openssh-client.md), measured side by side with the others.
 */
public final class JschBuiltinForward implements AutoCloseable {
    private final SshSession session;

    public JschBuiltinForward(SshTarget target, int localPort, int remotePort) throws JSchException {
        session = new SshClient(EventLog.NONE).connect(target, SshOptions.defaults());
        session.jsch().setPortForwardingL("127.0.0.1", localPort, "127.0.0.1", remotePort);
    }

    @Override
    public void close() {
        session.close();
    }
}
