package dev.vmbox.app.instance;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.cloudinit.CloudInitComposer;
import dev.vmbox.cloudinit.GuestLayout;
import dev.vmbox.provider.Ownership;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.ssh.ExecResult;
import dev.vmbox.ssh.SshSession;
import java.time.Duration;

/**
 * The proof, from inside a running guest, that it is the one vmbox made for an instance, where the provider keeps no
 * mark of its own (Multipass): vmbox's SSH login with the instance's own key succeeds, the guest presents the host key
 * vmbox made and pinned for this instance (only that guest holds its private half), and its
 * {@value GuestLayout#GUEST_INFO}, written by vmbox's cloud-config, names the instance.
 */
public final class GuestProof {
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final GuestAccess guests;

    public GuestProof(GuestAccess guests) {
        this.guests = guests;
    }

    /**
     * What the guest at {@code endpoint} shows: {@link Ownership.Kind#VMBOX}, {@link Ownership.Kind#FOREIGN} (another
     * host key, a login refused, or another instance's information), or {@link Ownership.Kind#UNPROVEN} (no answer).
     *
     * @param vm the provider's name of the VM, for messages
     */
    public Ownership prove(Instance instance, SshEndpoint endpoint, String vm) {
        String where = "the guest at " + endpoint.host() + ":" + endpoint.port();
        if (instance.settings().string(InstanceSettings.HOST_KEY) == null) {
            return new Ownership(Ownership.Kind.UNPROVEN, vm, "vmbox's record of '" + instance.name()
                    + "' has no pinned host key to check it by");
        }
        try (SshSession s = guests.connectOnce(instance.target(endpoint), TIMEOUT)) {
            return proveIn(s, instance, vm);
        } catch (VmboxException e) {
            if (e.exitCode() == ExitCode.SECURITY) {
                return new Ownership(Ownership.Kind.FOREIGN, vm, where + " is not the guest vmbox made for '"
                        + instance.name() + "': " + e.getMessage());
            }
            if (e.exitCode() == ExitCode.INTERRUPTED) {
                throw e;
            }
            return new Ownership(Ownership.Kind.UNPROVEN, vm, where + " does not answer over SSH (" + e.getMessage() + ")");
        }
    }

    /**
     * The proof over a session vmbox already holds to the guest: the connection itself checked the pinned host key and
     * vmbox's login; the guest's {@value GuestLayout#GUEST_INFO} must name the instance.
     */
    public Ownership proveIn(SshSession session, Instance instance, String vm) {
        String where = "the guest at " + session.target().display();
        ExecResult r = session.exec("cat " + GuestLayout.GUEST_INFO, TIMEOUT);
        String named = CloudInitComposer.guestInfoInstance(r.ok() ? r.stdout() : "").orElse(null);
        if (instance.name().equals(named)) {
            return new Ownership(Ownership.Kind.VMBOX, vm, where + " holds the host key vmbox pinned for '"
                    + instance.name() + "' and names it in " + GuestLayout.GUEST_INFO);
        }
        return new Ownership(Ownership.Kind.FOREIGN, vm, where + " holds vmbox's pinned key but its " + GuestLayout.GUEST_INFO
                + (named == null ? " is missing or not vmbox's" : " names '" + named + "'"));
    }
}
