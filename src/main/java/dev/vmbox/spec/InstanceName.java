package dev.vmbox.spec;

import dev.vmbox.VmboxException;
import java.util.regex.Pattern;

/**
 * The name of a vmbox instance: the one rule, everywhere (the CLI, the record folder, the providers' own
 * names such as {@code vmbox-NAME}). Lower-case letters, digits and '-', a letter first, no '-' last,
 * 1 to {@value #MAX_LENGTH} characters: a DNS label (it becomes the guest's hostname) short enough that
 * every provider's names and paths built from it stay within their limits.
 */
public record InstanceName(String value) implements Comparable<InstanceName> {
    public static final int MAX_LENGTH = 40;
    /** The rule in words, for {@code --help} and error hints. */
    public static final String RULE = "1 to " + MAX_LENGTH + " lower-case letters, digits and '-', starting with a "
            + "letter and not ending with '-'";
    private static final Pattern PATTERN = Pattern.compile("[a-z]([a-z0-9-]{0," + (MAX_LENGTH - 2) + "}[a-z0-9])?");

    public InstanceName {
        if (value == null || value.isEmpty()) {
            throw VmboxException.badInput("the instance name is empty", "use " + RULE);
        }
        if (!PATTERN.matcher(value).matches()) {
            throw VmboxException.badInput("invalid instance name " + Names.forMessage(value), "use " + RULE);
        }
    }

    public static InstanceName of(String value) {
        return new InstanceName(value);
    }

    /** True when {@code value} follows the rule (for scanning folders without throwing). */
    public static boolean isValid(String value) {
        return value != null && PATTERN.matcher(value).matches();
    }

    @Override
    public int compareTo(InstanceName o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
