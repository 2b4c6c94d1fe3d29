package dev.vmbox.testing;

import dev.vmbox.exec.CommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.CreatePlanRunner;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.spec.VmSpec;
import dev.vmbox.wait.Deadline;
import java.nio.file.Path;
import java.time.Duration;

/** Makes a VM the way vmbox's provision step does: prepare, the provider's create plan, run by the one runner. */
public final class Plans {
    private Plans() {
    }

    /** Makes and boots {@code spec} from the seed in {@code seedDir} within {@code timeout}, as {@code vmbox create} would. */
    public static void create(Provider provider, CommandRunner runner, VmSpec spec, Path seedDir, Duration timeout) {
        Deadline deadline = Deadline.in(timeout);
        provider.prepare(spec, timeout);
        new CreatePlanRunner(runner, EventLog.NONE).execute(provider.createPlan(spec, SeedFiles.in(seedDir), timeout),
                deadline, detail -> { });
    }

    /** What vmbox's unseed step runs once the guest's first boot is over: the provider's plan for then. */
    public static void afterFirstBoot(Provider provider, CommandRunner runner, String name, Duration timeout) {
        new CreatePlanRunner(runner, EventLog.NONE).execute(provider.afterFirstBoot(name), Deadline.in(timeout), detail -> { });
    }
}
