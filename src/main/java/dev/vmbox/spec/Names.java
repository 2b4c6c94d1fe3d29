package dev.vmbox.spec;

import dev.vmbox.VmboxException;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validation of the names vmbox passes to hypervisors, guests and file systems: instance names,
 * guest hostnames and Unix user names. Each check either returns the name unchanged or throws
 * {@link VmboxException} with {@code BAD_INPUT}; the offending value is shown shortened and escaped
 * (see {@link #forMessage}), so a hostile value cannot flood or forge the error output.
 */
public final class Names {
    /** One DNS label in lower case: starts with a letter, ends with a letter or digit, 1 to 63 long. */
    private static final Pattern LABEL = Pattern.compile("[a-z]([a-z0-9-]{0,61}[a-z0-9])?");
    /** A portable Unix user name (useradd's default rule, no upper case, no dots), 1 to 32 long. */
    private static final Pattern UNIX_USER = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Set<String> RESERVED_USERS = Set.of(
            "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
            "www-data", "backup", "list", "irc", "gnats", "nobody", "systemd-network", "systemd-resolve",
            "systemd-timesync", "messagebus", "sshd", "_apt", "admin", "ubuntu", "debian", "lima", "libvirt-qemu");
    /** Prefix of the system users vmbox makes for runtimes inside the guest. */
    public static final String RUNTIME_USER_PREFIX = "vmbox-";

    private Names() {
    }

    /** True when {@code name} is a valid instance name (for scanning folders without throwing). */
    public static boolean isValidInstanceName(String name) {
        return InstanceName.isValid(name);
    }

    /** An instance name ({@link InstanceName}'s rule), e.g. {@code llm} or {@code qwen-7b}. */
    public static String instanceName(String name) {
        return InstanceName.of(name).value();
    }

    /** A guest hostname: a single lower-case DNS label (no dots). */
    public static String hostname(String name) {
        return label(name, "hostname");
    }

    /** The admin user made in the guest: a portable Unix name that is not a system or vmbox user. */
    public static String adminUser(String name) {
        unixUser(name, "admin user name");
        if (RESERVED_USERS.contains(name) || name.startsWith(RUNTIME_USER_PREFIX)) {
            throw VmboxException.badInput("admin user name " + forMessage(name) + " is reserved",
                    "pick another name, e.g. 'vmadmin'; system names and names starting with '"
                            + RUNTIME_USER_PREFIX + "' are taken");
        }
        return name;
    }

    /**
     * A portable Unix user name (1 to 32 characters: a lower-case letter first, then lower-case letters, digits,
     * '-' or '_'); {@code what} names it in the error.
     */
    public static String unixUser(String name, String what) {
        if (name == null || !UNIX_USER.matcher(name).matches()) {
            throw VmboxException.badInput("invalid " + what + " " + forMessage(name),
                    "use 1 to 32 characters: a lower-case letter first, then lower-case letters, digits, '-' or '_'");
        }
        return name;
    }

    private static String label(String name, String what) {
        if (name == null || name.isEmpty()) {
            throw VmboxException.badInput("the " + what + " is empty",
                    "use 1 to 63 characters: lower-case letters, digits and '-', starting with a letter");
        }
        if (!LABEL.matcher(name).matches()) {
            throw VmboxException.badInput("invalid " + what + " " + forMessage(name),
                    "use 1 to 63 characters: lower-case letters, digits and '-', starting with a letter"
                            + " and not ending with '-'");
        }
        return name;
    }

    /**
     * A value as it may appear in an error message: quoted, at most 40 characters (then an ellipsis
     * and the full length), with control, non-ASCII and quote characters escaped as {@code \\uXXXX}.
     */
    public static String forMessage(String value) {
        if (value == null) {
            return "(none)";
        }
        StringBuilder sb = new StringBuilder("'");
        int shown = 0;
        for (int i = 0; i < value.length() && shown < 40; i++, shown++) {
            char c = value.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('\'');
        if (value.length() > 40) {
            sb.append("… (").append(value.length()).append(" characters)");
        }
        return sb.toString();
    }
}
