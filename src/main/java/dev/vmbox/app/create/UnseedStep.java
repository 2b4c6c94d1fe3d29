package dev.vmbox.app.create;

import dev.vmbox.cloudinit.GuestLayout;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.CreatePlan;
import dev.vmbox.provider.CreatePlanRunner;
import dev.vmbox.provider.Provider;
import java.time.Duration;

/**
 * Once the guest has read its seed (cloud-init is done; on a runtime image, SSH answers), the seed goes: it holds the guest's SSH host private key, which the guest now has on its own
 * disk. The provider's {@link Provider#afterFirstBoot} plan (libvirt: detach the seed disk from the VM's definition and
 * delete its file or volume), run by the one runner, as {@code --dry-run} prints it. First the guest is told to run
 * cloud-init no more ({@value GuestLayout#CLOUD_INIT_DISABLED}): without its seed, cloud-init would take the next boot
 * for a new instance and make new host keys (a runtime image has no cloud-init). Nothing to undo: removing the VM removes the seed too.
 */
final class UnseedStep implements CreateStep {
    static final String DISABLE_CLOUD_INIT = "sudo -n touch " + GuestLayout.CLOUD_INIT_DISABLED;
    private static final Duration SHORT = Duration.ofSeconds(30);

    private final CommandRunner runner;
    private final EventLog log;

    UnseedStep(CommandRunner runner, EventLog log) {
        this.runner = runner;
        this.log = log;
    }

    /** The provider's plan for after the first boot: what the step runs, and a dry run prints. */
    static CreatePlan plan(CreateRequest req) {
        return req.chosenProvider().afterFirstBoot(req.name());
    }

    @Override
    public String name() {
        return "unseed";
    }

    @Override
    public String run(CreateRun run) {
        CreatePlan plan = plan(run.request);
        if (plan.steps().isEmpty()) {
            return run.provider().id() + " keeps its own seed (it needs it at every start)";
        }
        // a runtime image has no cloud-init: its seed unit ran once and marked that in the guest
        boolean cloudInit = !run.request.baked();
        if (cloudInit) {
            run.session.execChecked(DISABLE_CLOUD_INIT, run.left(SHORT));
        }
        new CreatePlanRunner(runner, log).execute(plan, run.deadline, run.step::detail);
        return "the seed is detached and deleted" + (cloudInit ? "; cloud-init runs no more in the guest" : "");
    }
}
