package dev.vmbox.app.create;

import dev.vmbox.app.instance.GuestAccess;
import dev.vmbox.app.instance.InstanceFiles;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.cloudinit.GuestLayout;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.StopMode;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.wait.Deadline;
import java.time.Duration;

/**
 * The egress seal at the end of install. Sealed: egress was closed from the first boot (hypervisor + nftables); the
 * guest's loaded ruleset is proven to be the sealed one. Fetch window: closed now by the guest's seal command and, on
 * a provider that seals at the hypervisor, by restarting the VM sealed there too (then proven again). Open: says so.
 */
final class EgressSeal {
    /** Succeeds only when the guest's loaded ruleset is the sealed one (the same proof vmbox-seal ends with). */
    static final String SEALED_PROOF = "sudo -n nft list chain inet vmbox output | grep -q 'vmbox: egress sealed'";
    private static final Duration PROOF = Duration.ofSeconds(30);

    private final GuestAccess guests;

    EgressSeal(GuestAccess guests) {
        this.guests = guests;
    }

    /** Seals through {@code session} (closed afterwards) and returns what was done, in one line. */
    String seal(SshSession session, Provider provider, EgressPolicy egress, InstanceRecord record, InstanceFiles files,
                Deadline deadline, Progress.Step step) {
        String done;
        try (session) {
            done = switch (egress) {
                case SEALED -> {
                    session.execChecked(SEALED_PROOF, PROOF);
                    yield "sealed since first boot" + (provider.capabilities().hypervisorEgressSeal()
                            ? " (hypervisor and guest nftables)" : " (guest nftables)");
                }
                case FETCH_WINDOW -> {
                    session.execChecked("sudo -n " + GuestLayout.SEAL_COMMAND, deadline.remaining("step 'seal'",
                            Duration.ofSeconds(60)));
                    yield "egress closed by " + GuestLayout.SEAL_COMMAND;
                }
                default -> "egress left OPEN (--egress open)";
            };
        }
        if (egress == EgressPolicy.FETCH_WINDOW && provider.capabilities().hypervisorEgressSeal()) {
            resealAtTheHypervisor(provider, record, files, deadline, step);
            done += "; restarted sealed at the hypervisor too";
        }
        return done;
    }

    /** The guest's nftables are closed; now the hypervisor too: it takes a restart. */
    private void resealAtTheHypervisor(Provider provider, InstanceRecord record, InstanceFiles files, Deadline deadline,
                                       Progress.Step step) {
        String name = record.name();
        step.detail("restarting with egress sealed at the hypervisor");
        provider.stop(name, StopMode.GRACEFUL, deadline.remaining("step 'seal'", Duration.ofMinutes(3)));
        provider.sealEgress(name, deadline.remaining("step 'seal'", Duration.ofMinutes(1)));
        provider.start(name, deadline.remaining("step 'seal'", Duration.ofMinutes(3)));
        try (SshSession again = guests.waitForSsh(() -> provider.sshEndpoint(name)
                        .map(ep -> GuestAccess.target(record, files, ep)).orElse(null),
                deadline.remaining("step 'seal'"), () -> provider.inspect(name), step)) {
            again.execChecked(SEALED_PROOF, PROOF);
        }
    }
}
