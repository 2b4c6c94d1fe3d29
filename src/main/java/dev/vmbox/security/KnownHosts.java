package dev.vmbox.security;

import dev.vmbox.store.SecureFiles;
import dev.vmbox.VmboxException;
import dev.vmbox.spec.Names;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * known_hosts content that pins exactly one key for one host: the guest's host key, made on the host
 * before the guest existed. With {@code StrictHostKeyChecking yes} and {@code UserKnownHostsFile}
 * pointing at this file, OpenSSH (and JSch) refuse any other key: no trust on first use.
 */
public final class KnownHosts {
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})?|[0-9A-Fa-f:.]{2,45}");

    private KnownHosts() {
    }

    /**
     * One known_hosts line: {@code host key} for port 22, {@code [host]:port key} otherwise (OpenSSH's
     * form), with the key's comment dropped. {@code host} is an IP literal or a host name/alias.
     */
    public static String line(String host, int port, String publicKey) {
        if (host == null || !HOST.matcher(host).matches()) {
            throw VmboxException.badInput("invalid host for known_hosts: " + Names.forMessage(host),
                    "use an IP address such as 127.0.0.1 or a host name");
        }
        if (port < 1 || port > 65535) {
            throw VmboxException.badInput("invalid SSH port " + port, "use a port from 1 to 65535");
        }
        String key = PublicKeys.withoutComment(publicKey);
        String pattern = port == 22 && !host.contains(":") ? host : "[" + host + "]:" + port;
        return pattern + " " + key;
    }

    /** Writes a known_hosts file (0600, atomically) that holds exactly {@link #line} and nothing else. */
    public static void write(Path file, String host, int port, String publicKey) {
        String content = line(host, port, publicKey) + "\n";
        SecureFiles.writeAtomically(file, content.getBytes(StandardCharsets.US_ASCII));
    }
}
