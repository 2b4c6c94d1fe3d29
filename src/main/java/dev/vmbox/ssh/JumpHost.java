package dev.vmbox.ssh;

import dev.vmbox.VmboxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The machine a guest is reached through when it runs on another host (libvirt at
 * {@code qemu+ssh://user@gpu1:2222/system}): the guest's SSH port is forwarded to that host's loopback, and
 * vmbox opens a stream to it with the system OpenSSH client, {@code ssh -W 127.0.0.1:PORT gpu1}.
 *
 * <p>The hop is made exactly the way libvirt's own ssh transport reaches the host: the same program
 * ({@code command}), user, port and key file, and the person's own ssh_config, agent and known_hosts. vmbox's
 * pins (the guest's host key, the instance key, the algorithms) apply to the inner connection, which is
 * end-to-end encrypted through the hop; the jump host sees only ciphertext.
 *
 * @param host         host name or address as in the libvirt URI
 * @param port         0 for the ssh default (or the ssh_config's)
 * @param user         null for the ssh default (or the ssh_config's)
 * @param identityFile null, or the key file named by the URI's {@code keyfile} parameter (absolute)
 * @param command      the ssh program (the URI's {@code command} parameter; {@code ssh} by default): a name on
 *                     the PATH or an absolute path
 * @param knownHosts   null, or the known_hosts file named by the URI's {@code known_hosts} parameter (libssh
 *                     transports), absolute
 */
public record JumpHost(String host, int port, String user, Path identityFile, String command, Path knownHosts) {
    public JumpHost(String host, int port, String user, Path identityFile, String command) {
        this(host, port, user, identityFile, command, null);
    }

    public JumpHost {
        if (host == null || host.startsWith("-") || !host.matches("[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+\\]")) {
            throw VmboxException.badInput("invalid host to reach the VM through: " + host, "use a host name or address");
        }
        if (port < 0 || port > 65535) {
            throw VmboxException.badInput("invalid SSH port of " + host + ": " + port, "use a port between 1 and 65535");
        }
        if (user != null && (user.startsWith("-") || !user.matches("[A-Za-z0-9._][A-Za-z0-9._-]{0,63}"))) {
            throw VmboxException.badInput("invalid SSH user for " + host + ": " + user, "use a plain user name");
        }
        if (command == null || command.isBlank()) {
            command = "ssh";
        }
        if (command.startsWith("-") || !command.matches("[A-Za-z0-9_./+-]+") || command.contains("/") && !command.startsWith("/")) {
            throw VmboxException.badInput("invalid ssh program for " + host + ": " + command,
                    "name a program on the PATH or give its absolute path");
        }
        checkFile(host, "key file", identityFile);
        checkFile(host, "known_hosts file", knownHosts);
    }

    /** Absolute (a tunnel agent runs elsewhere), and nothing ssh's config parser would read differently. */
    private static void checkFile(String host, String what, Path file) {
        if (file == null) {
            return;
        }
        if (!file.isAbsolute()) {
            throw VmboxException.badInput("invalid " + what + " for " + host + ": " + file, "give an absolute path");
        }
        OpenSshPaths.check(file);
    }

    public static JumpHost of(String host) {
        return new JumpHost(host, 0, null, null, "ssh", null);
    }

    /** The address ssh is told to connect to: IPv6 literals without brackets. */
    String address() {
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * argv of the hop: a stream to {@code targetHost:targetPort} as seen from the jump host. No prompts
     * ({@code BatchMode}): it runs unattended (the tunnel agent), so it needs a key or an agent; and the host's
     * key must already be known ({@code StrictHostKeyChecking=yes}, whatever the ssh_config says).
     * Its own server-alive probes end it when the link dies, which ends the connection carried inside.
     */
    public List<String> streamArgv(String targetHost, int targetPort, Duration connectTimeout) {
        List<String> argv = baseArgv(List.of("-T", "-e", "none"), connectTimeout);
        argv.addAll(List.of(
                "-o", "ServerAliveInterval=15",
                "-o", "ServerAliveCountMax=3",
                "-W", (targetHost.contains(":") ? "[" + targetHost + "]" : targetHost) + ":" + targetPort,
                "--", address()));
        return argv;
    }

    /**
     * argv of one command run on the host itself (reading its /sys where libvirt does not tell), on the same
     * terms as the hop: no prompts, a known host key, nothing forwarded, no standard input. The words are joined
     * by ssh and read by the host's shell, so only plain words are accepted (paths, options): nothing a shell
     * would expand or split.
     */
    public List<String> commandArgv(List<String> words, Duration connectTimeout) {
        if (words.isEmpty()) {
            throw new IllegalArgumentException("no command");
        }
        for (String w : words) {
            if (!w.matches("[A-Za-z0-9_./:=,+-]+")) {
                throw new IllegalArgumentException("not a plain word for a remote shell: " + w);
            }
        }
        List<String> argv = baseArgv(List.of("-T", "-n", "-e", "none"), connectTimeout);
        argv.addAll(List.of("--", address()));
        argv.addAll(words);
        return argv;
    }

    /** The program, how to reach and log in to the host, and the options no ssh_config may relax. */
    private List<String> baseArgv(List<String> flags, Duration connectTimeout) {
        List<String> argv = new ArrayList<>(List.of(command));
        if (port != 0) {
            argv.addAll(List.of("-p", Integer.toString(port)));
        }
        if (user != null) {
            argv.addAll(List.of("-l", user));
        }
        if (identityFile != null) {
            // as a config value: ssh drops a -i path it cannot stat before expanding it, so -i cannot carry a '%'
            argv.addAll(List.of("-o", "IdentityFile=" + OpenSshPaths.configValue(identityFile)));
        }
        if (knownHosts != null) {
            argv.addAll(List.of("-o", "UserKnownHostsFile=" + OpenSshPaths.configValue(knownHosts)));
        }
        argv.addAll(flags);
        argv.addAll(List.of(
                "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes",
                "-o", "ClearAllForwardings=yes",
                "-o", "ForwardAgent=no",
                "-o", "ForwardX11=no",
                "-o", "ConnectTimeout=" + Math.max(1, connectTimeout.toSeconds())));
        return argv;
    }

    /**
     * The same hop as one {@code ProxyCommand} value for the system ssh client: every word single-quoted for
     * the shell ssh runs it with ({@code sh -c "exec ..."}), and {@code %} doubled so ssh expands no tokens.
     */
    public String proxyCommand(String targetHost, int targetPort, Duration connectTimeout) {
        StringBuilder sb = new StringBuilder();
        for (String word : streamArgv(targetHost, targetPort, connectTimeout)) {
            sb.append(sb.isEmpty() ? "" : " ").append('\'').append(word.replace("'", "'\\''").replace("%", "%%")).append('\'');
        }
        return sb.toString();
    }

    /** {@code user@host:port} as far as known, for messages. */
    public String display() {
        return (user == null ? "" : user + "@") + host + (port == 0 ? "" : ":" + port);
    }
}
