package dev.vmbox.app.create;

import dev.vmbox.app.instance.GuestAccess;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.store.InstanceStore;

/** Egress sealed (or proven sealed) by {@link EgressSeal}; the SSH session of the install ends here. */
final class SealStep implements CreateStep {
    private final InstanceStore store;
    private final EgressSeal seal;

    SealStep(InstanceStore store, GuestAccess guests) {
        this.store = store;
        this.seal = new EgressSeal(guests);
    }

    @Override
    public String name() {
        return "seal";
    }

    @Override
    public String run(CreateRun run) {
        SshSession session = run.session;
        run.session = null;
        return seal.seal(session, run.provider(), run.request.spec().egress(), store.read(run.name()), run.files,
                run.deadline, run.step);
    }
}
