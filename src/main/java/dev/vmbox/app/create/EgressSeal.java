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
import java.util.function.Consumer;

/**
 * The egress seal at the end of install, and the runtime's start where the policy needs egress closed first. Sealed:
 * egress was closed from the first boot (hypervisor + nftables); the guest's loaded ruleset is proven to be the sealed
 * one. Fetch window: closed now by the guest's seal command and, on a provider that seals at the hypervisor, by
 * restarting the VM sealed there too (then proven again); only then is the runtime, installed but never started in
 * the window, started ({@code startRuntime}, in the sealed guest). Open: says so.
 */
final class EgressSeal {
    /** Succeeds only when the guest's loaded ruleset is the sealed one (the same proof vmbox-seal ends with). */
    static final String SEALED_PROOF = "sudo -n nft list chain inet vmbox output | grep -q 'vmbox: egress sealed'";
    private static final Duration PROOF = Duration.ofSeconds(30);

    private final GuestAccess guests;

    EgressSeal(GuestAccess guests) {
        this.guests = guests;
    }

    /**
     * Seals through {@code session} (closed afterwards) and returns what was done, in one line. Under the fetch window
     * {@code startRuntime} runs last, with a session in the sealed guest.
     */
    String seal(SshSession session, Provider provider, EgressPolicy egress, InstanceRecord record, InstanceFiles files,
                Deadline deadline, Progress.Step step, Consumer<SshSession> startRuntime) {
        String done;
        boolean reseal = egress == EgressPolicy.FETCH_WINDOW && provider.capabilities().hypervisorEgressSeal();
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
                    if (!reseal) {
                        step.detail("starting the runtime in the sealed guest");
                        startRuntime.accept(session);
                    }
                    yield "egress closed by " + GuestLayout.SEAL_COMMAND;
                }
                default -> "egress left OPEN (--egress open)";
            };
        }
        if (reseal) {
            resealAtTheHypervisor(provider, record, files, deadline, step, startRuntime);
            done += "; restarted sealed at the hypervisor too";
        }
        return done + (egress == EgressPolicy.FETCH_WINDOW ? "; the runtime started only then" : "");
    }

    /** The guest's nftables are closed; now the hypervisor too: it takes a restart. Then the runtime starts. */
    private void resealAtTheHypervisor(Provider provider, InstanceRecord record, InstanceFiles files, Deadline deadline,
                                       Progress.Step step, Consumer<SshSession> startRuntime) {
        String name = record.name();
        step.detail("restarting with egress sealed at the hypervisor");
        provider.stop(name, StopMode.GRACEFUL, deadline.remaining("step 'seal'", Duration.ofMinutes(3)));
        provider.sealEgress(name, deadline.remaining("step 'seal'", Duration.ofMinutes(1)));
        provider.start(name, deadline.remaining("step 'seal'", Duration.ofMinutes(3)));
        try (SshSession again = guests.waitForSsh(() -> provider.sshEndpoint(name)
                        .map(ep -> GuestAccess.target(record, files, ep)).orElse(null),
                deadline.remaining("step 'seal'"), () -> provider.inspect(name), step)) {
            again.execChecked(SEALED_PROOF, PROOF);
            step.detail("starting the runtime in the sealed guest");
            startRuntime.accept(again);
        }
    }
}
