package dev.vmbox.provider.lima;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.Availability;
import dev.vmbox.provider.Capabilities;
import dev.vmbox.provider.CreatePlan;
import dev.vmbox.provider.Ownership;
import dev.vmbox.provider.PlanStep;
import dev.vmbox.provider.PlannedCommand;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.provider.StopMode;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.spec.VmSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * vmbox on Lima, through {@code limactl}. vmbox writes each instance's lima.yaml itself
 * ({@link LimaTemplate}: plain mode, no mounts, no port forwards but SSH, no agent forwarding) and hands
 * it to {@code limactl create} on stdin, so the file with the guest's host key never sits in a
 * world-readable place. SSH goes to Lima's loopback port with vmbox's own key and pinned host key.
 * Egress is sealed by nftables in the guest only: Lima has no hypervisor-level seal.
 *
 * <p>Lima's own host agent logs in to the guest as {@link LimaTemplate#USER} (vmbox's sshd lets it in, with no
 * forwarding: docs/decisions/0013-provider-ssh-access.md). vmbox starts, stops and deletes only instances whose
 * lima.yaml carries its marker ({@link LimaTemplate#marker}). Every call ({@link Limactl}) passes
 * {@code --log-format=json}, so Lima's messages are read whole ({@link LimaLog}).
 */
public final class LimaProvider implements Provider {
    /**
     * What Lima cannot isolate the way libvirt does, one line each, for {@code vmbox verify} and the
     * README: the guarantees vmbox gives on Lima hold only as long as the guest's own nftables hold.
     */
    public static final List<String> LIMITS = List.of(
            "egress is sealed by nftables inside the guest only: Lima has no hypervisor-level seal "
                    + "(libvirt's restrict=on), so root in the guest could lift it",
            "the guest's user-mode network gateway (192.168.5.2, host.lima.internal) leads to the host's own "
                    + "loopback services; only the guest's nftables seal keeps the guest from them",
            "Lima's own user and key (~/.lima/_config/user, with sudo in the guest) exist beside vmbox's; "
                    + "they belong to the same host user",
            "GPU only on Apple Silicon through krunkit (experimental, Vulkan only); no PCI passthrough");

    private final CommandRunner runner;
    private final Executables executables;
    private final EventLog log;
    private final HostPlatform host;
    private final LimaHome home;
    private final LimaProbe probe;

    /** Lima with its folder where Lima finds it from this process's environment. */
    public LimaProvider(CommandRunner runner, Executables executables, EventLog log, HostPlatform host) {
        this(runner, executables, log, host, LimaHome.fromEnvironment(System.getenv()));
    }

    public LimaProvider(CommandRunner runner, Executables executables, EventLog log, HostPlatform host, LimaHome home) {
        this.runner = runner;
        this.executables = executables;
        this.log = log;
        this.host = host;
        this.home = home;
        this.probe = new LimaProbe(runner, executables);
    }

    @Override
    public String id() {
        return "lima";
    }

    @Override
    public Availability probe() {
        return probe.probe();
    }

    @Override
    public Capabilities capabilities() {
        boolean gpu = host.appleSilicon() && executables.find("krunkit").isPresent();
        return new Capabilities(false, false, false, gpu, false);
    }

    @Override
    public Optional<String> ownSshUser() {
        return Optional.of(LimaTemplate.USER);
    }

    /** Also refuses an instance whose sockets would not fit the host's path limit under LIMA_HOME (Lima would). */
    @Override
    public void validate(VmSpec spec) {
        home.checkSocketPaths(LimaNames.limaName(spec.name()), spec.name(), host);
        LimaImages.require(spec.image());
        GpuRequest gpu = spec.gpu();
        if (!gpu.wanted()) {
            return;
        }
        if (gpu.mode() == GpuRequest.Mode.ADDRESS) {
            throw VmboxException.badInput("Lima cannot pass a PCI device (" + gpu.address() + ") through to a VM",
                    "on Linux use --provider libvirt for VFIO passthrough; on an Apple Silicon Mac use --gpu auto (krunkit)");
        }
        if (!host.appleSilicon()) {
            throw VmboxException.badInput("Lima gives a VM a GPU only on Apple Silicon Macs (krunkit); this host is "
                    + host.os() + " " + host.arch(), "use --provider libvirt with --gpu on Linux, or --gpu none");
        }
        if (executables.find("krunkit").isEmpty()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "--gpu on Lima needs krunkit, which is not installed",
                    "brew tap slp/krun && brew install krunkit (macOS 14 or newer, Lima 2.0 or newer), or use --gpu none");
        }
    }

    @Override
    public String setAutostart(String name, boolean on, Duration timeout) {
        String limaName = LimaNames.limaName(name);
        requireVmbox(name, limaName, "change the autostart of");
        try {
            // start-at-login exists in every Lima 1.x and 2.x (newer ones also call it "autostart enable|disable")
            runner.run(Limactl.command(timeout, "start-at-login", "--enabled=" + on, limaName));
        } catch (VmboxException e) {
            throw LimaErrors.classify(e, "autostart", name, limaName);
        }
        return on ? "Lima starts the VM when you log in (limactl start-at-login: a launchd agent on macOS, a systemd user unit on Linux)"
                : "Lima no longer starts the VM at login (limactl start-at-login --enabled=false)";
    }

    /**
     * Two steps: create the instance from vmbox's lima.yaml on stdin (the seed's user-data inside) and check what Lima
     * made of it, then start it. Lima itself refuses a name it already has ("already exists": nothing made, nothing
     * undone), so no query comes first. A failed create or start removes what Lima made; a failed start is told by
     * what Lima reported, read before the removal (its host agent's log goes to vmbox's create log).
     */
    @Override
    public CreatePlan createPlan(VmSpec spec, SeedFiles seed, Duration timeout) {
        validate(spec);
        String limaName = LimaNames.limaName(spec.name());
        Command create = Limactl.command(Limactl.CREATE_STEP, "create", "--name=" + limaName, "-");
        Command start = Limactl.start(limaName, timeout);
        Command delete = Limactl.delete(limaName);
        PlanStep make = PlanStep.named("create", "make the instance from vmbox's lima.yaml, and check what Lima made of it")
                .runs(PlannedCommand.always(create).withStdin("lima.yaml: vmbox's template with the seed's user-data "
                        + "inside (never shown)"), PlannedCommand.always(Limactl.list()))
                .does(ctx -> {
                    String yaml = LimaYamlWriter.write(LimaTemplate.build(spec, readUserData(seed), host));
                    if (spec.gpu().wanted()) {
                        log.warn(GPU_WARNING);
                    }
                    try {
                        ctx.run(create, yaml.getBytes(StandardCharsets.UTF_8));
                        ctx.made();
                    } catch (VmboxException e) {
                        VmboxException classified = LimaErrors.classify(e, "create", spec.name(), limaName);
                        if (classified.exitCode() != ExitCode.BAD_INPUT && classified.exitCode() != ExitCode.IN_USE) {
                            ctx.made(); // refused (a bad or taken name): nothing was made, so nothing is removed
                        }
                        throw classified;
                    }
                    checkWhatLimaMade(Limactl.find(ctx::run, limaName), spec.name(), limaName);
                })
                // limactl delete only warns about an instance it does not have: no query first (which could fail too)
                .undoneBy("the half-made instance", "remove it with `limactl delete --force " + limaName + "`",
                        ctx -> ctx.run(delete), PlannedCommand.always(delete));
        PlanStep boot = PlanStep.named("start", "boot it and wait for Lima's own readiness checks")
                .runs(PlannedCommand.always(start), PlannedCommand.when("when the start fails: what Lima reports of the "
                        + "instance (its status, and where its host agent's log is)", Limactl.list()))
                .does(ctx -> {
                    try {
                        ctx.run(start);
                    } catch (VmboxException e) {
                        throw startFailed(ctx::run, e, spec.name(), limaName, true);
                    }
                });
        List<String> notes = new ArrayList<>(List.of("Lima's host agent logs in to the guest as '" + LimaTemplate.USER
                + "' (user.name), which the guest's sshd lets in with no forwarding"));
        if (spec.gpu().wanted()) {
            notes.add(GPU_WARNING);
        }
        return new CreatePlan(id(), notes, List.of(make, boot));
    }

    /**
     * What Lima made must be what vmbox wrote where it matters: Lima merges $LIMA_HOME/_config/default.yaml and
     * override.yaml into every instance, and an override of {@code user.name} would shut its own host agent out of the
     * guest (vmbox's sshd lets in only {@link LimaTemplate#USER}); without vmbox's marker vmbox could not tell the
     * instance is its own.
     */
    private void checkWhatLimaMade(Optional<LimaInstance> made, String name, String limaName) {
        LimaInstance inst = made.orElseThrow(() -> VmboxException.failed("Lima does not list '" + limaName
                + "' right after creating it", "run `limactl list` by hand and check LIMA_HOME", null));
        String configDir = home.dir().resolve("_config").toString();
        if (!LimaTemplate.USER.equals(inst.userName())) {
            throw VmboxException.failed("Lima made '" + limaName + "' with the guest user '" + inst.userName() + "', not '"
                    + LimaTemplate.USER + "' as vmbox wrote: the guest's sshd would shut Lima's host agent out",
                    "remove user.name from " + configDir + "/override.yaml (or default.yaml) for vmbox's instances", null);
        }
        if (!LimaTemplate.markedInstance(inst.message()).filter(name::equals).isPresent()) {
            throw VmboxException.failed("Lima made '" + limaName + "' without vmbox's marker (the lima.yaml's message), "
                    + "so vmbox could not tell it is its own", "remove 'message' from " + configDir
                    + "/override.yaml for vmbox's instances", null);
        }
    }

    /**
     * A failed start, told by what Lima reported: its status afterwards and its host agent's log, read now (a create's
     * rollback deletes the instance folder, log included: {@code removed}). One {@code limactl list}.
     */
    private VmboxException startFailed(Function<Command, CommandResult> exec, VmboxException e, String name,
                                       String limaName, boolean removed) {
        Optional<LimaInstance> after;
        try {
            after = Limactl.find(exec, limaName);
        } catch (VmboxException listFailed) {
            log.debug("lima: cannot list " + limaName + " after its start failed: " + listFailed.getMessage());
            after = Optional.empty();
        }
        Optional<String> haLog = after.map(LimaInstance::dir).filter(d -> !d.isBlank())
                .map(d -> Path.of(d, "ha.stderr.log")).flatMap(LimaProvider::readIfThere);
        VmboxException failure = LimaErrors.startFailed(e, name, limaName, after, haLog, removed);
        haLog.ifPresent(l -> log.debug("lima: the end of " + limaName + "'s ha.stderr.log:\n"
                + LimaLog.tail(l, LimaErrors.LOG_TAIL)));
        return failure;
    }

    private static Optional<String> readIfThere(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }

    private static final String GPU_WARNING = "GPU on Lima is experimental: krunkit gives the guest a Vulkan device "
            + "(virtio-gpu Venus), no CUDA and no Metal; the runtime must use its Vulkan backend and the guest needs a "
            + "Venus-capable Mesa (e.g. the slp/mesa-krunkit COPR on Fedora)";

    private static String readUserData(SeedFiles seed) {
        Path file = seed.userData();
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot read the seed's user-data at " + file + ": " + e.getMessage(),
                    "this is a bug in vmbox; please report it", e);
        }
    }

    /** From one {@code limactl list}: vmbox's when the lima.yaml's message is vmbox's marker for this instance. */
    @Override
    public Ownership ownership(String name) {
        String limaName = LimaNames.limaName(name);
        return ownership(name, limaName, find(limaName));
    }

    private static Ownership ownership(String name, String limaName, Optional<LimaInstance> inst) {
        if (inst.isEmpty()) {
            return new Ownership(Ownership.Kind.ABSENT, limaName, "Lima has no instance of that name");
        }
        Optional<String> marked = LimaTemplate.markedInstance(inst.get().message());
        if (marked.filter(name::equals).isPresent()) {
            return new Ownership(Ownership.Kind.VMBOX, limaName, "its lima.yaml carries vmbox's marker for '" + name + "'");
        }
        return new Ownership(Ownership.Kind.FOREIGN, limaName, marked.map(m -> "its vmbox marker names '" + m + "'")
                .orElse("its lima.yaml has no vmbox marker"));
    }

    /** The instance, which must exist (else NOT_FOUND) and be vmbox's (else IN_USE): one {@code limactl list}. */
    private LimaInstance requireVmbox(String name, String limaName, String action) {
        Optional<LimaInstance> inst = find(limaName);
        if (inst.isEmpty()) {
            throw VmboxException.notFound("Lima has no instance for '" + name + "' (" + limaName + ")",
                    "`vmbox list` shows your instances; `vmbox create " + name + "` makes it");
        }
        ownership(name, limaName, inst).requireVmbox(id(), action);
        return inst.get();
    }

    @Override
    public void start(String name, Duration timeout) {
        String limaName = LimaNames.limaName(name);
        LimaInstance inst = requireVmbox(name, limaName, "start");
        if (LimaOutput.state(inst.status()) == VmState.RUNNING) {
            return;
        }
        try {
            runner.run(Limactl.start(limaName, timeout));
        } catch (VmboxException e) {
            throw startFailed(runner::run, e, name, limaName, false);
        }
    }

    @Override
    public void stop(String name, StopMode mode, Duration timeout) {
        String limaName = LimaNames.limaName(name);
        LimaInstance inst = requireVmbox(name, limaName, "stop");
        VmState state = LimaOutput.state(inst.status());
        if (state == VmState.STOPPED) {
            return;
        }
        Command stop = mode == StopMode.FORCE || state != VmState.RUNNING
                ? Limactl.command(timeout, "stop", "--force", limaName) : Limactl.command(timeout, "stop", limaName);
        try {
            runner.run(stop);
        } catch (VmboxException e) {
            throw LimaErrors.classify(e, "stop", name, limaName);
        }
    }

    @Override
    public void delete(String name, Duration timeout) {
        String limaName = LimaNames.limaName(name);
        Optional<LimaInstance> inst = find(limaName);
        if (inst.isEmpty()) {
            return;
        }
        ownership(name, limaName, inst).requireVmbox(id(), "delete");
        try {
            runner.run(Limactl.delete(limaName).withTimeout(timeout));
        } catch (VmboxException e) {
            if (find(limaName).isEmpty()) {
                return;
            }
            throw LimaErrors.classify(e, "delete", name, limaName);
        }
    }

    @Override
    public VmStatus inspect(String name) {
        String limaName = LimaNames.limaName(name);
        return find(limaName).map(i -> status(name, i)).orElse(VmStatus.notCreated(name, id()));
    }

    /** The instances that carry vmbox's marker for the instance their name says (others of the same prefix are not vmbox's). */
    @Override
    public List<VmStatus> list() {
        List<VmStatus> out = new ArrayList<>();
        for (LimaInstance i : Limactl.listAll(runner::run)) {
            LimaNames.vmboxName(i.name()).filter(n -> LimaTemplate.markedInstance(i.message()).filter(n::equals).isPresent())
                    .ifPresent(n -> out.add(status(n, i)));
        }
        return out;
    }

    @Override
    public Optional<SshEndpoint> sshEndpoint(String name) {
        String limaName = LimaNames.limaName(name);
        return find(limaName)
                .filter(i -> LimaOutput.state(i.status()) == VmState.RUNNING && i.sshLocalPort() > 0
                        && i.sshLocalPort() <= 65535)
                .map(i -> new SshEndpoint(i.sshAddress().isBlank() ? "127.0.0.1" : i.sshAddress(), i.sshLocalPort()));
    }

    private VmStatus status(String name, LimaInstance i) {
        VmState state = LimaOutput.state(i.status());
        List<String> messages = new ArrayList<>(i.errors());
        if (!i.message().isBlank() && LimaTemplate.markedInstance(i.message()).isEmpty()) {
            messages.add(i.message());
        }
        if ("Uninitialized".equals(i.status())) {
            messages.add("created but never started");
        }
        if (state == VmState.BROKEN && messages.isEmpty()) {
            messages.add("Lima reports status '" + i.status() + "'");
        }
        return new VmStatus(name, id(), state, messages);
    }

    private Optional<LimaInstance> find(String limaName) {
        return Limactl.find(runner::run, limaName);
    }
}
