package dev.vmbox.cloudinit;

import dev.vmbox.spec.Names;
import java.util.Objects;

/**
 * The user a VM's provider logs in as itself, over SSH, after vmbox's provisioning: Lima's host agent as the
 * lima.yaml's {@code user.name} (readiness requirements, probes, {@code limactl shell}), Multipass's daemon as
 * {@code ubuntu} (its launch and start waits, {@code info}, {@code exec}, {@code shell}). vmbox's sshd drop-in lets
 * that user in beside vmbox's admin, with public keys only and no forwarding of any kind; {@link #NONE} (libvirt)
 * lets in nobody but the admin. What each provider needs, read from its sources:
 * docs/decisions/0013-provider-ssh-access.md.
 *
 * @param provider the provider's id ({@code lima}, {@code multipass}); null only in {@link #NONE}
 * @param user     the Unix user it logs in as; null only in {@link #NONE}
 */
public record ProviderLogin(String provider, String user) {
    /** No provider login: only vmbox's admin may log in (libvirt). */
    public static final ProviderLogin NONE = new ProviderLogin(null, null);

    public ProviderLogin {
        if (provider != null || user != null) {
            Objects.requireNonNull(provider, "provider");
            Names.unixUser(user, "provider login user");
        }
    }

    /** {@code provider} logs in to its guests as {@code user}. */
    public static ProviderLogin of(String provider, String user) {
        return new ProviderLogin(Objects.requireNonNull(provider, "provider"), Objects.requireNonNull(user, "user"));
    }

    /** True unless this is {@link #NONE}. */
    public boolean present() {
        return user != null;
    }
}
