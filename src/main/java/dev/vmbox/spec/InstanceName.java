package dev.vmbox.spec;

import dev.vmbox.VmboxException;
import java.util.regex.Pattern;

/**
 * The name of a vmbox instance: the one rule, everywhere (the CLI, the record folder, the providers' own
 * names such as {@code vmbox-NAME}). Lower-case letters, digits and single '-' between them, a letter first,
 * 1 to {@value #MAX_LENGTH} characters: a DNS label (it becomes the guest's hostname) that every provider takes
 * with vmbox's prefix: Lima's instance names (letters and digits joined by single '.', '_' or '-', at most 76:
 * lima pkg/identifiers), Multipass's (a letter first, letters, digits and '-', no '-' last: its
 * utils::valid_hostname) and libvirt's domain names. Lima's socket paths built from it are checked against the
 * host's limit when Lima is used (they depend on LIMA_HOME too).
 */
public record InstanceName(String value) implements Comparable<InstanceName> {
    public static final int MAX_LENGTH = 40;
    /** The rule in words, for {@code --help} and error hints. */
    public static final String RULE = "1 to " + MAX_LENGTH + " lower-case letters, digits and single '-' between them, "
            + "starting with a letter";
    private static final Pattern PATTERN = Pattern.compile("(?=.{1," + MAX_LENGTH + "}$)[a-z][a-z0-9]*(-[a-z0-9]+)*");

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
