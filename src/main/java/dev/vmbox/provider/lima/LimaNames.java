package dev.vmbox.provider.lima;

import dev.vmbox.spec.InstanceName;
import java.util.Optional;

/**
 * Lima instance names for vmbox instances: {@code vmbox-NAME}. The prefix keeps vmbox's VMs apart from
 * the user's own Lima VMs (which vmbox never lists, stops or deletes).
 */
final class LimaNames {
    static final String PREFIX = "vmbox-";

    private LimaNames() {
    }

    /**
     * Lima's name for a vmbox instance. Every instance name fits Lima's rule (letters and digits joined by single
     * '.', '_' or '-', at most 76: pkg/identifiers) with the prefix: {@link InstanceName} is stricter.
     */
    static String limaName(String name) {
        return PREFIX + InstanceName.of(name).value();
    }

    static Optional<String> vmboxName(String limaName) {
        if (limaName != null && limaName.startsWith(PREFIX) && limaName.length() > PREFIX.length()) {
            return Optional.of(limaName.substring(PREFIX.length()));
        }
        return Optional.empty();
    }
}
