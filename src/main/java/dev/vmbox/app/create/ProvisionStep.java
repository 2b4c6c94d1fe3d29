package dev.vmbox.app.create;

import dev.vmbox.exec.CommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.CreatePlan;
import dev.vmbox.provider.CreatePlanRunner;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.spec.VmSpec;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.time.Duration;

/**
 * The provider makes and boots the VM: its {@link CreatePlan} (the same one {@code --dry-run} prints) run by the one
 * {@link CreatePlanRunner}, which undoes the plan's own steps when one fails. From then on the VM is this create's to
 * remove; the seed (it holds the guest's host private key) lives on only in what the provider made.
 */
final class ProvisionStep extends UndoableStep {
    private static final Duration DELETE_TIMEOUT = Duration.ofMinutes(3);
    private final CommandRunner runner;
    private final EventLog log;

    ProvisionStep(CommandRunner runner, EventLog log) {
        super("provision", "VM");
        this.runner = runner;
        this.log = log;
    }

    /** The seed the seed step writes for {@code req} into {@code dir}: a runtime image reads its own format. */
    static SeedFiles seedOf(CreateRequest req, java.nio.file.Path dir) {
        return req.baked() ? SeedFiles.forImage(dir) : SeedFiles.in(dir);
    }

    /** The plan for {@code req}, with the seed where the seed step writes it: what a dry run prints. */
    static CreatePlan plan(CreateRequest req, SeedFiles seed) {
        return req.chosenProvider().createPlan(req.spec(), seed, req.timeout());
    }

    @Override
    public String run(CreateRun run) throws IOException {
        Provider provider = run.provider();
        VmSpec spec = run.request.spec();
        provider.prepare(spec, run.left());
        CreatePlan plan = plan(run.request, seedOf(run.request, run.files.seedDir()));
        new CreatePlanRunner(runner, log).execute(plan, run.deadline, run.step::detail);
        made();
        SecureFiles.deleteTree(run.files.seedDir());
        return spec.cpus() + " vCPU, " + spec.memory() + ", " + spec.disk() + " disk";
    }

    @Override
    public void undo(CreateRun run) {
        run.provider().delete(run.name(), DELETE_TIMEOUT);
    }
}
