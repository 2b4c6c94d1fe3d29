package dev.vmbox.ssh;

import dev.vmbox.VmboxException;
import java.nio.file.Path;

/**
 * File paths as OpenSSH reads them from its command line. {@code -o Key=VALUE} is parsed like a line of
 * ssh_config (split at whitespace unless double-quoted), and paths of keys, known_hosts files and forwarded
 * sockets are expanded for {@code %} tokens and {@code ${VAR}} (ssh.c, readconf.c). So a path is written quoted
 * with {@code %} doubled, and a path that no quoting can carry through ({@code "}, {@code \}, {@code ${},
 * control characters) is refused with a clear error rather than handed over to be read differently.
 */
public final class OpenSshPaths {
    private OpenSshPaths() {
    }

    /** The path for {@code -o Key=VALUE}: absolute, double-quoted, {@code %} doubled. */
    public static String configValue(Path path) {
        return "\"" + tokens(path) + "\"";
    }

    /**
     * The path as its own argument (a {@code -L} socket): {@code %} doubled. Not for {@code -i}: ssh drops a
     * {@code -i} path it cannot stat as written, before expanding it, so keys go as {@code -o IdentityFile=}.
     */
    public static String argument(Path path) {
        return tokens(path);
    }

    /** Refuses a path OpenSSH would not read as written. */
    public static String check(Path path) {
        String s = path.toAbsolutePath().toString();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
                throw refused(s);
            }
        }
        if (s.contains("${")) {
            throw refused(s);
        }
        return s;
    }

    private static String tokens(Path path) {
        return check(path).replace("%", "%%");
    }

    private static VmboxException refused(String s) {
        return VmboxException.badInput("OpenSSH cannot be given the path " + s.replaceAll("\\p{Cntrl}", "?")
                + " (it contains a quote, a backslash, '${' or a control character)",
                "move VMBOX_HOME (or the file) to a path without them");
    }
}
