package dev.vmbox.ssh;

import dev.vmbox.store.SecureFiles;
import dev.vmbox.VmboxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds argv for the system OpenSSH client ({@code ssh}) so that it trusts exactly what vmbox trusts:
 * the instance's key only ({@code IdentitiesOnly}), the pinned host key only (a vmbox-written known_hosts
 * file, {@code StrictHostKeyChecking=yes}, no global file, no learning), no user or system ssh_config
 * ({@code -F none}), no agent, X11 or password prompts, curve25519 / AES-GCM / AES-CTR only.
 *
 * <p>The known_hosts file is written by {@link PinnedHostKey#writeKnownHosts(Path)}; its entry is looked up
 * through {@code HostKeyAlias}, so it does not depend on the address or port used to reach the guest. Paths are
 * written as OpenSSH reads them ({@link OpenSshPaths}): a VMBOX_HOME with spaces keeps its pins.
 *
 * <p>A guest on another host ({@link SshTarget#jump()}) is reached through a {@code ProxyCommand} running
 * {@code ssh -W} to that host ({@link JumpHost#proxyCommand}); only the inner connection carries the pins above.
 */
public final class SshCommandLine {
    private SshCommandLine() {
    }

    /**
     * {@code ssh} for a person: an interactive shell when {@code remoteCommand} is empty (a TTY is requested),
     * otherwise the command, joined with spaces and run by the guest user's shell exactly as {@code ssh}
     * does. Run it with {@code dev.vmbox.exec.InteractiveRunner}.
     */
    public static List<String> interactive(SshTarget target, Path knownHosts, SshOptions options, List<String> remoteCommand) {
        List<String> argv = common(target, knownHosts, options, "ERROR");
        if (remoteCommand == null || remoteCommand.isEmpty()) {
            argv.add("-t");
        }
        argv.add("-o");
        argv.add("BatchMode=yes");
        argv.add("-o");
        argv.add("ClearAllForwardings=yes");
        argv.add("--");
        argv.add(target.host());
        if (remoteCommand != null) {
            argv.addAll(remoteCommand);
        }
        return argv;
    }

    /**
     * {@code ssh -N} holding one local forward from the Unix socket {@code socket} (made 0600 by
     * {@code StreamLocalBindMask=0177}, replacing a stale one) to {@code remoteHost:remotePort} as seen from inside
     * the guest. Only the tunnel agent connects to it: the socket lives in a 0700 folder. The process exits if the
     * forward cannot be set up ({@code ExitOnForwardFailure}) or the guest stops answering server-alive probes.
     */
    public static List<String> forward(SshTarget target, Path knownHosts, SshOptions options, Path socket,
                                       String remoteHost, int remotePort) {
        String listen = OpenSshPaths.argument(socket);
        if (!socket.isAbsolute() || listen.contains(":")) {
            throw VmboxException.badInput("invalid tunnel socket path: " + socket,
                    "use an absolute path without ':' (move VMBOX_HOME to such a path)");
        }
        if (remotePort < 1 || remotePort > 65535 || remoteHost == null || !remoteHost.matches("[A-Za-z0-9.:_-]+")) {
            throw VmboxException.badInput("invalid tunnel destination " + remoteHost + ":" + remotePort,
                    "use the runtime's loopback address and port inside the guest");
        }
        // INFO: ssh then says why it gave up ("Timeout, server ... not responding") in the agent's log
        List<String> argv = common(target, knownHosts, options, "INFO");
        String dest = remoteHost.contains(":") ? "[" + remoteHost + "]" : remoteHost;
        argv.addAll(List.of("-N", "-T",
                "-o", "BatchMode=yes",
                "-o", "ExitOnForwardFailure=yes",
                "-o", "GatewayPorts=no",
                "-o", "StreamLocalBindUnlink=yes",
                "-o", "StreamLocalBindMask=0177",
                "-L", listen + ":" + dest + ":" + remotePort,
                "--", target.host()));
        return argv;
    }

    private static List<String> common(SshTarget target, Path knownHosts, SshOptions options, String logLevel) {
        SecureFiles.checkPrivateKey(target.privateKey());
        PinnedHostKey key = target.hostKey();
        List<String> argv = new ArrayList<>();
        argv.add("ssh");
        argv.add("-F");
        argv.add("none");
        argv.add("-p");
        argv.add(Integer.toString(target.port()));
        argv.add("-l");
        argv.add(target.user());
        for (String opt : List.of(
                "IdentityFile=" + OpenSshPaths.configValue(target.privateKey()),
                "IdentitiesOnly=yes",
                "IdentityAgent=none",
                "PubkeyAuthentication=yes",
                "PasswordAuthentication=no",
                "KbdInteractiveAuthentication=no",
                "HostbasedAuthentication=no",
                "GSSAPIAuthentication=no",
                "StrictHostKeyChecking=yes",
                "UserKnownHostsFile=" + OpenSshPaths.configValue(knownHosts),
                "GlobalKnownHostsFile=none",
                "HostKeyAlias=" + PinnedHostKey.KNOWN_HOSTS_ALIAS,
                "HostKeyAlgorithms=" + key.hostKeyAlgorithm(),
                "CheckHostIP=no",
                "UpdateHostKeys=no",
                "VerifyHostKeyDNS=no",
                "KexAlgorithms=" + SshOptions.KEX,
                "Ciphers=" + SshOptions.CIPHERS,
                "MACs=" + SshOptions.MACS,
                "ForwardAgent=no",
                "ForwardX11=no",
                "PermitLocalCommand=no",
                "ControlMaster=no",
                "ControlPath=none",
                "Compression=no",
                "ConnectTimeout=" + Math.max(1, options.connectTimeout().toSeconds()),
                "ServerAliveInterval=" + Math.max(1, options.keepaliveInterval().toSeconds()),
                "ServerAliveCountMax=" + options.keepaliveCountMax(),
                "ConnectionAttempts=1",
                "LogLevel=" + logLevel)) {
            argv.add("-o");
            argv.add(opt);
        }
        target.jumpHost().ifPresent(jump -> {
            argv.add("-o");
            argv.add("ProxyCommand=" + jump.proxyCommand(target.host(), target.port(), options.connectTimeout()));
        });
        return argv;
    }
}
