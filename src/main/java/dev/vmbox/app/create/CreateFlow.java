package dev.vmbox.app.create;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.instance.GuestAccess;
import dev.vmbox.app.instance.InstanceFiles;
import dev.vmbox.app.instance.InstanceSettings;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.CreatePlan;
import dev.vmbox.provider.ProviderLogException;
import dev.vmbox.store.FileNames;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.PortClaims;
import dev.vmbox.store.SecureFiles;
import dev.vmbox.wait.Deadline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code vmbox create}: the steps check, fetch, keys, seed, provision, ssh, cloud-init, unseed, install, seal, tunnel, health
 * ({@link CreateStep} objects) run by one loop that owns the progress lines, the timings, the deadline and the
 * rollback. When a step fails (or Ctrl-C interrupts it), every step that ran is undone in reverse order, unless
 * keep-on-failure, which records the instance as BROKEN; what cannot be undone leaves the instance recorded as
 * BROKEN for {@code vmbox delete --force}. Every failure names the step, the reason and a log file that exists.
 */
public final class CreateFlow {
    public static final List<String> STEPS = List.of(
            "check", "fetch", "keys", "seed", "provision", "ssh", "cloud-init", "unseed", "install", "seal", "tunnel",
            "health");
    /**
     * A runtime image has no cloud-init: its seed unit placed the instance's parts before sshd started, so once SSH
     * answers only the model travels, then the seed goes.
     */
    public static final List<String> IMAGE_STEPS = List.of(
            "check", "fetch", "keys", "seed", "provision", "ssh", "install", "unseed", "seal", "tunnel", "health");

    /** The steps a create of {@code req} runs, in order. */
    public static List<String> steps(CreateRequest req) {
        return req.baked() ? IMAGE_STEPS : STEPS;
    }

    private final InstanceStore store;
    private final CommandRunner runner;
    private final GuestAccess guests;
    private final ApiTunnel tunnels;
    private final PayloadSource payloads;
    private final HealthCheck health;
    private final EventLog log;
    private final Clock clock;
    private final String vmboxVersion;

    public CreateFlow(InstanceStore store, CommandRunner runner, GuestAccess guests, ApiTunnel tunnels,
                      PayloadSource payloads, HealthCheck health, EventLog log, Clock clock, String vmboxVersion) {
        this.store = store;
        this.runner = runner;
        this.guests = guests;
        this.tunnels = tunnels;
        this.payloads = payloads;
        this.health = health;
        this.log = log;
        this.clock = clock;
        this.vmboxVersion = vmboxVersion;
    }

    /**
     * The provider's plan for {@code req}, with the seed where the create writes it: exactly what the provision step
     * runs, for {@code --dry-run} to print. Runs nothing.
     */
    public static CreatePlan providerPlan(InstanceStore store, CreateRequest req) {
        return ProvisionStep.plan(req, ProvisionStep.seedOf(req, new InstanceFiles(store.dir(req.name())).seedDir()));
    }

    /** What the unseed step runs once cloud-init is done (the provider's plan for after the first boot), for {@code --dry-run}. */
    public static CreatePlan afterFirstBootPlan(CreateRequest req) {
        return UnseedStep.plan(req);
    }

    private List<CreateStep> stepsOf(CreateRequest req) {
        HostSteps host = new HostSteps(store, payloads);
        GuestSteps guest = new GuestSteps(store, guests, health, tunnels);
        List<CreateStep> all = List.of(host.check(), host.fetch(), new KeysStep(store, runner, clock, vmboxVersion),
                host.seed(), new ProvisionStep(runner, log), guest.ssh(), guest.cloudInit(), new UnseedStep(runner, log),
                guest.install(), guest.seal(), new TunnelStep(store, tunnels, guest::runtimeExited), guest.health());
        return steps(req).stream().map(n -> all.stream().filter(s -> s.name().equals(n)).findFirst().orElseThrow())
                .toList();
    }

    public CreateResult create(CreateRequest req, Progress progress) {
        List<CreateStep> steps = stepsOf(req);
        progress.plan(steps.stream().map(CreateStep::name).toList());
        long started = System.nanoTime();
        CreateRun run = new CreateRun(req, new InstanceFiles(store.dir(req.name())), Deadline.in(req.timeout()), progress);
        Map<String, Duration> timings = new LinkedHashMap<>();
        List<CreateStep> ran = new ArrayList<>();
        try {
            for (CreateStep step : steps) {
                run.step = progress.begin(step.name());
                ran.add(step);
                String summary = step.run(run);
                timings.put(step.name(), run.step.done(summary));
            }
            InstanceRecord rec = store.read(req.name());
            store.write(rec.withPhase(InstanceRecord.Phase.READY, null).withSettings(InstanceSettings.merge(rec.settings(),
                    Map.of(InstanceSettings.MODEL_NAME, run.modelName))));
            return new CreateResult(req.name(), run.endpoint, run.modelName, timings,
                    Duration.ofNanos(System.nanoTime() - started), run.notes);
        } catch (RuntimeException | IOException e) {
            // after Ctrl-C the rollback must still be able to run commands and wait for them
            boolean interrupted = Thread.interrupted();
            VmboxException v = interrupted && !(e instanceof VmboxException)
                    ? new VmboxException(ExitCode.INTERRUPTED, "interrupted", null, e) : asVmbox(e);
            String failed = run.step == null ? "check" : run.step.name();
            if (run.step != null) {
                run.step.fail(v.getMessage());
            }
            run.closeSession(); // the lock stays held until the rollback is over
            throw rollback(run, failed, v, ran);
        } finally {
            run.close();
            payloads.cleanUp(req);
            releasePort(req.name());
        }
    }

    /** The API port this create claimed at its check step: its tunnel holds it now, or the create failed. */
    private void releasePort(String name) {
        try {
            new PortClaims(store.home()).release(name);
        } catch (VmboxException e) {
            log.warn(e.getMessage() + " (" + e.hint() + ")");
        }
    }

    private VmboxException rollback(CreateRun run, String failedStep, VmboxException cause, List<CreateStep> ran) {
        String name = run.name();
        String what = "create failed at step '" + failedStep + "': " + cause.getMessage();
        List<CreateStep> toUndo = new ArrayList<>(ran.stream().filter(CreateStep::madeSomething).toList());
        java.util.Collections.reverse(toUndo);
        if (toUndo.isEmpty()) {
            return new VmboxException(cause.exitCode(), what + " (" + logNamed(run, failedStep, cause, List.of()) + ")",
                    cause.hint(), cause);
        }
        if (run.request.keepOnFailure()) {
            try {
                store.write(store.read(name).withPhase(InstanceRecord.Phase.BROKEN, "step '" + failedStep + "': "
                        + cause.getMessage()));
            } catch (VmboxException e) {
                log.warn("could not record the failure: " + e.getMessage());
            }
            return new VmboxException(cause.exitCode(), what + " (kept as BROKEN; " + logNamed(run, failedStep, cause,
                    List.of("kept on purpose (--keep-on-failure)")) + ")", "inspect it with vmbox ssh " + name
                    + ", then remove it with: vmbox delete " + name, cause);
        }
        Progress.Step step = run.progress.begin("rollback");
        List<String> done = new ArrayList<>();
        List<String> leftovers = new ArrayList<>();
        for (CreateStep s : toUndo) {
            if (!leftovers.isEmpty() && s.ownsTheInstanceFolder()) {
                break; // keep the record (as BROKEN) and the keys, so `vmbox delete` can finish the job
            }
            try {
                s.undo(run);
                done.add(s.undoes());
            } catch (RuntimeException | IOException e) {
                leftovers.add(s.undoes() + " (" + e.getMessage() + ")");
                log.warn("rollback: could not remove the " + s.undoes() + ": " + e.getMessage());
            }
        }
        String logNote = logNamed(run, failedStep, cause, done);
        if (leftovers.isEmpty()) {
            step.done("removed " + String.join(", ", done));
            return new VmboxException(cause.exitCode(), what + " (everything made was removed; " + logNote + ")",
                    cause.hint(), cause);
        }
        step.fail("left behind: " + String.join(", ", leftovers));
        try {
            store.write(store.read(name).withPhase(InstanceRecord.Phase.BROKEN, "step '" + failedStep + "': "
                    + cause.getMessage() + "; rollback left " + String.join(", ", leftovers)));
        } catch (VmboxException e) {
            log.warn("could not record the broken instance: " + e.getMessage());
        }
        return new VmboxException(cause.exitCode(), what + "; the rollback could not remove " + String.join(", ", leftovers)
                + " (" + logNote + ")", "it is recorded as BROKEN: remove what is left with: vmbox delete " + name + " --force",
                cause);
    }

    /**
     * Writes the failure for the user to read later and says where: in the instance folder, or beside the instances
     * ({@value FileNames#FAILED_LOGS_DIR}) when there is no folder (nothing was made, or the rollback removed it). A
     * create refused because another holds the name (or the port) writes none: its one line says it all.
     */
    private String logNamed(CreateRun run, String failedStep, VmboxException cause, List<String> undone) {
        if (!run.madeTheFolder && cause.exitCode() == ExitCode.IN_USE) {
            // refused before it made anything (the name or the port is held): _logs/NAME-create-failed.log is then the
            // log of the create that holds the name, which a refused one must neither overwrite nor point at
            return "nothing was made, no log";
        }
        String text = "vmbox create failed at " + clock.instant() + "\nstep: " + failedStep + "\nerror: "
                + cause.getMessage() + "\nhint: " + cause.hint() + "\nundone: " + String.join(", ", undone) + "\n"
                // the provider's own lines about it (e.g. Lima's ha.stderr.log), which the rollback may have deleted
                + ProviderLogException.in(cause).map(p -> "\n--- the end of " + p.source() + ", as it was before the "
                        + "rollback:\n" + p.excerpt() + "\n").orElse("");
        Path dir = run.files.dir();
        boolean ours = run.madeTheFolder && Files.isDirectory(dir); // never into another instance's folder of that name
        Path target = ours ? run.files.createLog()
                : dir.resolveSibling(FileNames.FAILED_LOGS_DIR).resolve(dir.getFileName() + FileNames.FAILED_CREATE_LOG_SUFFIX);
        try {
            SecureFiles.privateDir(target.getParent());
            SecureFiles.writeAtomically(target, text.getBytes(StandardCharsets.UTF_8));
            return "log: " + target;
        } catch (VmboxException e) {
            log.warn("could not write the create's log " + target + ": " + e.getMessage());
            return "no log: " + target + " could not be written";
        }
    }

    private static VmboxException asVmbox(Exception e) {
        if (e instanceof VmboxException v) {
            return v;
        }
        if (e instanceof IOException io) {
            return new VmboxException(ExitCode.FAILED, "file error: " + io.getMessage(), "check VMBOX_HOME's disk and permissions", io);
        }
        return new VmboxException(ExitCode.INTERNAL, "internal error: " + e, "run again with --debug and report it", e);
    }
}
