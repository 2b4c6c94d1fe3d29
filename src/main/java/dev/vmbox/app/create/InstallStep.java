package dev.vmbox.app.create;

/** The runtime and the model into the guest ({@link GuestInstaller}). */
final class InstallStep implements CreateStep {
    @Override
    public String name() {
        return "install";
    }

    @Override
    public String run(CreateRun run) {
        new GuestInstaller(run.session, run.step, run.deadline).install(run.request, run.payload);
        return run.payload.modelName() + " in " + run.request.runtimeKind().installDirectory();
    }
}
