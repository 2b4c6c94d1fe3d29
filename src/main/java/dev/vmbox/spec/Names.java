package dev.vmbox.spec;

import dev.vmbox.VmboxException;
import java.util.regex.Pattern;

/** Instance names: they become folder names, libvirt domain names, host names and YAML values. */
public final class Names {
    private static final Pattern INSTANCE = Pattern.compile("[a-z][a-z0-9-]{0,62}");

    private Names() {
    }

    public static boolean isValidInstanceName(String name) {
        return name != null && INSTANCE.matcher(name).matches() && !name.endsWith("-") && !name.contains("--");
    }

    /** Returns the name or throws BAD_INPUT saying exactly what is wrong. */
    public static String requireInstanceName(String name) {
        if (isValidInstanceName(name)) {
            return name;
        }
        String shown = name == null ? "(none)" : printable(name);
        throw VmboxException.badInput("invalid instance name '" + shown + "'",
                "use 1-63 characters: lower-case letters, digits and single hyphens, starting with a letter "
                        + "and not ending with a hyphen (e.g. llm, qwen-small)");
    }

    /** A bounded, single-line rendering of untrusted text for error messages. */
    public static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(64).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f || Character.getType(cp) == Character.FORMAT) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        if (s.codePointCount(0, s.length()) > 64) {
            sb.append("…");
        }
        return sb.toString();
    }
}
