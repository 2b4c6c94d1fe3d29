package dev.vmbox.app.create;

/** The runtime and the model, on the host, verified; nothing is made in VMBOX_HOME yet (staging is cleaned up by the flow). */
final class FetchStep implements CreateStep {
    private final PayloadSource payloads;

    FetchStep(PayloadSource payloads) {
        this.payloads = payloads;
    }

    @Override
    public String name() {
        return "fetch";
    }

    @Override
    public String run(CreateRun run) {
        run.payload = payloads.fetch(run.request, run.step);
        run.notes.addAll(run.payload.notes());
        run.modelName = run.payload.modelName();
        return run.payload.modelName() + ", runtime " + run.payload.runtimeVersion();
    }
}
