package dev.vmbox.provider;

import java.util.Objects;

/**
 * Who made the VM that a provider holds under a vmbox instance's name, as far as the provider itself can tell.
 * vmbox starts, stops and deletes only VMs it can show it made: libvirt by vmbox's metadata in the domain, Lima by
 * vmbox's marker in the lima.yaml it wrote. Multipass keeps nothing of the kind ({@link Kind#UNPROVEN}): there the
 * proof is vmbox's record plus the guest itself, reached over vmbox's own SSH with the pinned host key.
 * docs/decisions/0013-provider-ssh-access.md.
 *
 * @param kind     what the provider can tell
 * @param vm       the provider's name of the VM (e.g. {@code vmbox-llm})
 * @param evidence what it was told by, in words (for messages)
 */
public record Ownership(Kind kind, String vm, String evidence) {
    public enum Kind {
        /** The provider holds no VM of that name. */
        ABSENT,
        /** The VM carries vmbox's mark for this instance. */
        VMBOX,
        /** The VM exists and does not carry vmbox's mark for this instance: someone else's. */
        FOREIGN,
        /** The VM exists and the provider keeps nothing that tells who made it. */
        UNPROVEN
    }

    public Ownership {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(evidence, "evidence");
    }

    /**
     * Refuses to act on a VM vmbox cannot show it made: IN_USE (the name is taken by someone else's VM), naming the
     * VM and why. For {@link Kind#VMBOX} and {@link Kind#ABSENT} it returns normally.
     *
     * @param provider the provider's id, for the message
     * @param action   what vmbox was asked to do ("delete", "stop", "start")
     */
    public void requireVmbox(String provider, String action) {
        if (kind == Kind.VMBOX || kind == Kind.ABSENT) {
            return;
        }
        throw notVmbox(provider, action);
    }

    /** The refusal (IN_USE) for a VM that is not (or cannot be shown to be) vmbox's, naming it and why. */
    public NotVmboxException notVmbox(String provider, String action) {
        String why = kind == Kind.FOREIGN ? "was not made by vmbox (" + evidence + ")"
                : "cannot be shown to be vmbox's (" + evidence + ")";
        return new NotVmboxException(this, "vmbox will not " + action + " the " + provider + " VM '" + vm + "': it " + why,
                "vmbox leaves it alone; if it is yours to remove, use " + provider + "'s own tool, and give vmbox's "
                        + "instance another name");
    }
}
