package dev.vmbox.provider;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.util.Objects;

/**
 * vmbox refused to act on a VM it cannot show it made (IN_USE: the name is taken by someone else's VM, or by a VM
 * vmbox cannot prove is its own). Carries what was known, so a caller can tell a VM that is certainly someone else's
 * ({@link Ownership.Kind#FOREIGN}) from one that could not be proven either way.
 */
public final class NotVmboxException extends VmboxException {
    private static final long serialVersionUID = 1L;
    private final transient Ownership ownership;

    public NotVmboxException(Ownership ownership, String message, String hint) {
        super(ExitCode.IN_USE, message, hint);
        this.ownership = Objects.requireNonNull(ownership, "ownership");
    }

    public Ownership ownership() {
        return ownership;
    }
}
