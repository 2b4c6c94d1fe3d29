package dev.vmbox.provider.lima;

import dev.vmbox.VmboxException;
import java.util.Optional;

/**
 * Lima instance names for vmbox instances: {@code vmbox-NAME}. The prefix keeps vmbox's VMs apart from
 * the user's own Lima VMs (which vmbox never lists, stops or deletes).
 */
final class LimaNames {
    static final String PREFIX = "vmbox-";

    private LimaNames() {
    }

    /** Lima accepts letters and digits joined by single '.', '_' or '-'; vmbox names are a subset. */
    static String limaName(String name) {
        if (name == null || name.isEmpty() || name.endsWith("-") || name.contains("--")) {
            throw VmboxException.badInput("'" + name + "' cannot be a Lima instance name",
                    "use letters and digits joined by single hyphens, not ending with a hyphen (e.g. llm, qwen-small)");
        }
        return PREFIX + name;
    }

    static Optional<String> vmboxName(String limaName) {
        if (limaName != null && limaName.startsWith(PREFIX) && limaName.length() > PREFIX.length()) {
            return Optional.of(limaName.substring(PREFIX.length()));
        }
        return Optional.empty();
    }
}
