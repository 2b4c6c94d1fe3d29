package dev.vmbox.app.create;

import dev.vmbox.app.instance.GuestAccess;

/** Waits for cloud-init to finish in the guest. */
final class CloudInitStep implements CreateStep {
    private final GuestAccess guests;

    CloudInitStep(GuestAccess guests) {
        this.guests = guests;
    }

    @Override
    public String name() {
        return "cloud-init";
    }

    @Override
    public String run(CreateRun run) {
        guests.waitForCloudInit(run.session, run.left(), run.step);
        return null;
    }
}
