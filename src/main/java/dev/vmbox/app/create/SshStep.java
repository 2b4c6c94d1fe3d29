package dev.vmbox.app.create;

import dev.vmbox.app.instance.GuestAccess;
import dev.vmbox.provider.Provider;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import java.io.IOException;

/** Waits for the guest's sshd with the pinned host key (a different key is refused); the session stays open. */
final class SshStep implements CreateStep {
    private final InstanceStore store;
    private final GuestAccess guests;

    SshStep(InstanceStore store, GuestAccess guests) {
        this.store = store;
        this.guests = guests;
    }

    @Override
    public String name() {
        return "ssh";
    }

    @Override
    public String run(CreateRun run) throws IOException {
        Provider provider = run.provider();
        String name = run.name();
        InstanceRecord rec = store.read(name);
        run.session = guests.waitForSsh(() -> provider.sshEndpoint(name).map(ep -> GuestAccess.target(rec, run.files, ep))
                .orElse(null), run.left(), () -> provider.inspect(name), run.step);
        run.session.target().hostKey().writeKnownHosts(run.files.knownHosts());
        return run.session.target().display() + ", host key matches the pinned key";
    }
}
