package dev.vmbox.spec;

import dev.vmbox.VmboxException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What the guest may reach on the network. {@link #SEALED} is the default: the guest never gets
 * egress; the host downloads, verifies and uploads everything it needs.
 */
public enum EgressPolicy {
    /** No egress ever: hypervisor-level where the provider can (libvirt), guest nftables always. */
    SEALED("sealed"),
    /** Egress open only while installing, then sealed by vmbox over SSH. */
    FETCH_WINDOW("fetch-window"),
    /** Egress stays open (opt-in, loud warning). */
    OPEN("open");

    private final String cliName;

    EgressPolicy(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static EgressPolicy parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (EgressPolicy p : values()) {
            if (p.cliName.equals(t)) {
                return p;
            }
        }
        throw VmboxException.badInput("unknown egress policy '" + text + "'",
                "use one of: " + Arrays.stream(values()).map(EgressPolicy::cliName).collect(Collectors.joining(", ")));
    }
}
