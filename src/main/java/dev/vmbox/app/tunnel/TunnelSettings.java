package dev.vmbox.app.tunnel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.ssh.JumpHost;
import dev.vmbox.ssh.SshOptions;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What one tunnel carries: a host endpoint (TCP {@code bindAddress:port}, or a Unix socket) held by the agent,
 * relayed to {@code remoteHost:remotePort} as seen inside the guest, over SSH to {@code target}.
 *
 * @param name        instance name, for messages and the 401's hint
 * @param target      the guest's SSH endpoint, key and pinned host key (and the hop to its host, if any)
 * @param bindAddress IP literal to listen on; must be loopback unless {@code exposed}
 * @param port        host port (unused when {@code unixSocket} is set)
 * @param unixSocket  absolute path of a Unix socket to serve instead of TCP (made 0600), or null
 * @param remoteHost  address inside the guest, normally 127.0.0.1
 * @param remotePort  the runtime's port inside the guest
 * @param exposed     the user asked for {@code --expose ADDR}: a non-loopback bind address is allowed
 * @param runtime     the model server: its health path (what UP means) and what it serves without the key
 * @param apiKeyFile  the instance's API key file, which every client must present; null when the owner turned
 *                    the key off
 * @param ssh         connect timeout and server-alive settings
 * @param backoffMin  first reconnect delay
 * @param backoffMax  longest reconnect delay
 */
public record TunnelSettings(String name, SshTarget target, String bindAddress, int port, Path unixSocket,
                             String remoteHost, int remotePort, boolean exposed, RuntimeKind runtime, Path apiKeyFile,
                             SshOptions ssh, Duration backoffMin, Duration backoffMax) {

    public TunnelSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(ssh, "ssh");
        Objects.requireNonNull(runtime, "runtime");
        bindAddress = bindAddress == null || bindAddress.isBlank() || bindAddress.equals("localhost") ? "127.0.0.1" : bindAddress;
        remoteHost = remoteHost == null || remoteHost.isBlank() ? "127.0.0.1" : remoteHost;
        backoffMin = backoffMin == null ? Duration.ofMillis(500) : backoffMin;
        backoffMax = backoffMax == null ? Duration.ofSeconds(30) : backoffMax;
    }

    /** Loopback TCP tunnel with default SSH options and backoff; the key file is the caller's to set. */
    public static TunnelSettings loopback(String name, SshTarget target, int port, int remotePort, RuntimeKind runtime,
                                          Path apiKeyFile) {
        return new TunnelSettings(name, target, "127.0.0.1", port, null, "127.0.0.1", remotePort, false, runtime, apiKeyFile,
                SshOptions.defaults().withKeepalive(Duration.ofSeconds(5), 3), null, null);
    }

    public TunnelSettings withPort(int newPort) {
        return new TunnelSettings(name, target, bindAddress, newPort, unixSocket, remoteHost, remotePort, exposed, runtime,
                apiKeyFile, ssh, backoffMin, backoffMax);
    }

    /** Listen on {@code address} (any address; a warning is shown when it is not loopback). */
    public TunnelSettings withExpose(String address) {
        return new TunnelSettings(name, target, address, port, unixSocket, remoteHost, remotePort, true, runtime, apiKeyFile,
                ssh, backoffMin, backoffMax);
    }

    public TunnelSettings withBind(String address) {
        return new TunnelSettings(name, target, address, port, unixSocket, remoteHost, remotePort, exposed, runtime, apiKeyFile,
                ssh, backoffMin, backoffMax);
    }

    public TunnelSettings withUnixSocket(Path socket) {
        return new TunnelSettings(name, target, bindAddress, port, socket, remoteHost, remotePort, exposed, runtime, apiKeyFile,
                ssh, backoffMin, backoffMax);
    }

    public TunnelSettings withApiKeyFile(Path file) {
        return new TunnelSettings(name, target, bindAddress, port, unixSocket, remoteHost, remotePort, exposed, runtime, file,
                ssh, backoffMin, backoffMax);
    }

    public TunnelSettings withBackoff(Duration min, Duration max) {
        return new TunnelSettings(name, target, bindAddress, port, unixSocket, remoteHost, remotePort, exposed, runtime,
                apiKeyFile, ssh, min, max);
    }

    public TunnelSettings withSsh(SshOptions options) {
        return new TunnelSettings(name, target, bindAddress, port, unixSocket, remoteHost, remotePort, exposed, runtime,
                apiKeyFile, options, backoffMin, backoffMax);
    }

    /**
     * Checks the settings: a bind address must be an IP literal, and a loopback one unless exposed
     * (SECURITY); ports in range; a socket path absolute and short enough (BAD_INPUT).
     */
    public void validate() {
        if (remotePort < 1 || remotePort > 65535) {
            throw VmboxException.badInput("invalid guest port for the tunnel: " + remotePort, "use 1-65535");
        }
        if (backoffMin.isNegative() || backoffMin.isZero() || backoffMax.compareTo(backoffMin) < 0) {
            throw VmboxException.badInput("invalid reconnect backoff " + backoffMin + ".." + backoffMax, "use a positive range");
        }
        if (unixSocket != null) {
            if (!unixSocket.isAbsolute()) {
                throw VmboxException.badInput("invalid tunnel socket path: " + unixSocket, "use an absolute path");
            }
            TunnelFiles.checkSocketPath(unixSocket);
            return;
        }
        if (port < 1 || port > 65535) {
            throw VmboxException.badInput("invalid tunnel port: " + port, "use --port with a value between 1 and 65535");
        }
        InetAddress addr = bindInetAddress();
        if (!addr.isLoopbackAddress() && !exposed) {
            throw new VmboxException(ExitCode.SECURITY, "refusing to open the tunnel on " + bindAddress
                    + ": not a loopback address", "the model API stays on 127.0.0.1 unless you pass --expose " + bindAddress);
        }
    }

    /**
     * The bind address as an IP: {@link ApiAddress}'s literal rule (names other than "localhost" are refused, so
     * no DNS answer decides where we listen); an IPv6 literal may come in brackets.
     */
    public InetAddress bindInetAddress() {
        String a = bindAddress.startsWith("[") && bindAddress.endsWith("]")
                ? bindAddress.substring(1, bindAddress.length() - 1) : bindAddress;
        return ApiAddress.parseLiteral(a);
    }

    /** A warning for the user when the API is published beyond loopback. */
    public Optional<String> exposureWarning() {
        if (unixSocket != null || !exposed || bindInetAddress().isLoopbackAddress()) {
            return Optional.empty();
        }
        return Optional.of("the model API of '" + name + "' is exposed on " + bindAddress + ":" + port
                + ": anyone who can reach that address and has the API key can use the model"
                + (apiKeyFile == null ? " (the key is off: anyone at all)" : ""));
    }

    /** {@code 127.0.0.1:11434}, {@code [::1]:11434} or the socket path. */
    public String endpoint() {
        if (unixSocket != null) {
            return unixSocket.toString();
        }
        String a = bindAddress.replace("[", "").replace("]", "");
        return (a.contains(":") ? "[" + a + "]" : a) + ":" + port;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes the settings as JSON (0600: it names the key files), so the agent can read them. */
    public void write(Path file) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", name);
        ObjectNode t = n.putObject("target");
        t.put("host", target.host());
        t.put("port", target.port());
        t.put("user", target.user());
        t.put("privateKey", target.privateKey().toAbsolutePath().toString());
        t.put("pinnedHostKey", target.pinnedHostKey());
        target.jumpHost().ifPresent(j -> {
            ObjectNode via = t.putObject("via");
            via.put("host", j.host());
            via.put("port", j.port());
            via.put("user", j.user());
            via.put("identityFile", j.identityFile() == null ? null : j.identityFile().toString());
            via.put("command", j.command());
            via.put("knownHosts", j.knownHosts() == null ? null : j.knownHosts().toString());
        });
        n.put("bindAddress", bindAddress);
        n.put("port", port);
        n.put("unixSocket", unixSocket == null ? null : unixSocket.toString());
        n.put("remoteHost", remoteHost);
        n.put("remotePort", remotePort);
        n.put("exposed", exposed);
        n.put("runtime", runtime.cliName());
        n.put("apiKeyFile", apiKeyFile == null ? null : apiKeyFile.toAbsolutePath().toString());
        ObjectNode s = n.putObject("ssh");
        s.put("connectTimeoutMs", ssh.connectTimeout().toMillis());
        s.put("channelTimeoutMs", ssh.channelTimeout().toMillis());
        s.put("keepaliveIntervalMs", ssh.keepaliveInterval().toMillis());
        s.put("keepaliveCountMax", ssh.keepaliveCountMax());
        s.put("connectAttempts", ssh.connectAttempts());
        n.put("backoffMinMs", backoffMin.toMillis());
        n.put("backoffMaxMs", backoffMax.toMillis());
        SecureFiles.writeAtomically(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static Path path(JsonNode n) {
        return n == null || n.isNull() ? null : Path.of(n.asText());
    }

    public static TunnelSettings read(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            JsonNode t = n.required("target");
            JsonNode s = n.required("ssh");
            JsonNode v = t.get("via");
            JumpHost via = v == null || v.isNull() ? null : new JumpHost(v.required("host").asText(), v.path("port").asInt(0),
                    text(v.get("user")), path(v.get("identityFile")), text(v.get("command")), path(v.get("knownHosts")));
            SshTarget target = new SshTarget(t.required("host").asText(), t.required("port").asInt(), t.required("user").asText(),
                    Path.of(t.required("privateKey").asText()), t.required("pinnedHostKey").asText(), via);
            SshOptions o = new SshOptions(Duration.ofMillis(s.required("connectTimeoutMs").asLong()),
                    Duration.ofMillis(s.required("channelTimeoutMs").asLong()),
                    Duration.ofMillis(s.required("keepaliveIntervalMs").asLong()),
                    s.required("keepaliveCountMax").asInt(), s.required("connectAttempts").asInt());
            return new TunnelSettings(n.required("name").asText(), target, n.required("bindAddress").asText(),
                    n.required("port").asInt(), path(n.get("unixSocket")),
                    n.required("remoteHost").asText(), n.required("remotePort").asInt(), n.required("exposed").asBoolean(),
                    RuntimeKind.parse(n.required("runtime").asText()), path(n.get("apiKeyFile")),
                    o, Duration.ofMillis(n.required("backoffMinMs").asLong()), Duration.ofMillis(n.required("backoffMaxMs").asLong()));
        } catch (IOException | IllegalArgumentException | VmboxException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot read tunnel settings " + file + ": " + e.getMessage(),
                    "write them again with: vmbox tunnel start NAME", e);
        }
    }
}
