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

/**
 * vmbox on Lima, through {@code limactl}. vmbox writes each instance's lima.yaml itself
 * ({@link LimaTemplate}: plain mode, no mounts, no port forwards but SSH, no agent forwarding) and hands
 * it to {@code limactl create} on stdin, so the file with the guest's host key never sits in a
 * world-readable place. SSH goes to Lima's loopback port with vmbox's own key and pinned host key.
 * Egress is sealed by nftables in the guest only: Lima has no hypervisor-level seal.
 */
public final class LimaProvider implements Provider {
    static final Duration LIST_TIMEOUT = Duration.ofSeconds(30);
    static final Duration CREATE_STEP = Duration.ofMinutes(2);
    static final Duration DELETE_TIMEOUT = Duration.ofMinutes(2);
    /** Lima's own wait inside {@code limactl start} ends this much before ours, so its message wins. */
    static final Duration START_MARGIN = Duration.ofSeconds(15);

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
    private final LimaProbe probe;

    public LimaProvider(CommandRunner runner, Executables executables, EventLog log, HostPlatform host) {
        this.runner = runner;
        this.executables = executables;
        this.log = log;
        this.host = host;
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
    public void validate(VmSpec spec) {
        LimaNames.limaName(spec.name());
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

    private static Command listCommand() {
        return Command.of(LIST_TIMEOUT, "limactl", "list", "--tty=false", "--format", "json");
    }

    @Override
    public String setAutostart(String name, boolean on, Duration timeout) {
        String limaName = LimaNames.limaName(name);
        require(name, limaName);
        try {
            // start-at-login exists in every Lima 1.x and 2.x (newer ones also call it "autostart enable|disable")
            runner.run(Command.of(timeout, "limactl", "start-at-login", "--tty=false", "--enabled=" + on, limaName));
        } catch (VmboxException e) {
            throw LimaErrors.classify(e, "autostart", name, limaName);
        }
        return on ? "Lima starts the VM when you log in (limactl start-at-login: a launchd agent on macOS, a systemd user unit on Linux)"
                : "Lima no longer starts the VM at login (limactl start-at-login --enabled=false)";
    }

    /** {@code limactl start} waiting at most {@code timeout} itself, less a margin so that Lima's own message wins. */
    private static Command startCommand(String limaName, Duration timeout) {
        Duration limaWait = timeout.compareTo(START_MARGIN.multipliedBy(2)) > 0 ? timeout.minus(START_MARGIN) : timeout;
        return Command.of(timeout, "limactl", "start", "--tty=false", "--timeout=" + Math.max(1, limaWait.toSeconds()) + "s",
                limaName);
    }

    /**
     * Three steps: check that Lima has no instance of that name (read-only), create it from vmbox's lima.yaml on stdin
     * (the seed's user-data inside), start it. A failed create or start removes what Lima made, unless Lima refused
     * the create before making anything.
     */
    @Override
    public CreatePlan createPlan(VmSpec spec, SeedFiles seed, Duration timeout) {
        validate(spec);
        String limaName = LimaNames.limaName(spec.name());
        Command create = Command.of(CREATE_STEP, "limactl", "create", "--tty=false", "--name=" + limaName, "-");
        Command start = startCommand(limaName, timeout);
        Command delete = Command.of(DELETE_TIMEOUT, "limactl", "delete", "--tty=false", "--force", limaName);
        PlanStep check = PlanStep.named("check", "whether Lima already has " + limaName + " (read-only)")
                .runs(listCommand())
                .does(ctx -> {
                    if (find(ctx::run, limaName).isPresent()) {
                        throw new VmboxException(ExitCode.IN_USE, "a Lima instance '" + limaName + "' already exists",
                                "choose another name, or remove it with `vmbox delete " + spec.name() + "` (or `limactl "
                                        + "delete --force " + limaName + "` if vmbox does not know it)");
                    }
                });
        PlanStep make = PlanStep.named("create", "make the instance from vmbox's lima.yaml")
                .runs(PlannedCommand.always(create).withStdin("lima.yaml: vmbox's template with the seed's user-data "
                        + "inside (never shown)"))
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
                        if (classified.exitCode() != ExitCode.BAD_INPUT) {
                            ctx.made();
                        }
                        throw classified;
                    }
                })
                .undoneBy("the half-made instance", "remove it with `limactl delete --force " + limaName + "`", ctx -> {
                    if (find(ctx::run, limaName).isPresent()) {
                        ctx.run(delete);
                    }
                }, PlannedCommand.always(listCommand()), PlannedCommand.when("when Lima has it", delete));
        PlanStep boot = PlanStep.named("start", "boot it and wait for Lima's own readiness checks")
                .runs(start)
                .does(ctx -> {
                    try {
                        ctx.run(start);
                    } catch (VmboxException e) {
                        throw LimaErrors.classify(e, "start", spec.name(), limaName);
                    }
                });
        List<String> notes = spec.gpu().wanted() ? List.of(GPU_WARNING) : List.of();
        return new CreatePlan(id(), notes, List.of(check, make, boot));
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

    @Override
    public void start(String name, Duration timeout) {
        String limaName = LimaNames.limaName(name);
        LimaInstance inst = require(name, limaName);
        if (LimaOutput.state(inst.status()) == VmState.RUNNING) {
            return;
        }
        try {
            runner.run(startCommand(limaName, timeout));
        } catch (VmboxException e) {
            throw LimaErrors.classify(e, "start", name, limaName);
        }
    }

    @Override
    public void stop(String name, StopMode mode, Duration timeout) {
        String limaName = LimaNames.limaName(name);
        LimaInstance inst = require(name, limaName);
        VmState state = LimaOutput.state(inst.status());
        if (state == VmState.STOPPED) {
            return;
        }
        List<String> argv = new ArrayList<>(List.of("limactl", "stop", "--tty=false"));
        if (mode == StopMode.FORCE || state != VmState.RUNNING) {
            argv.add("--force");
        }
        argv.add(limaName);
        try {
            runner.run(Command.of(timeout, argv));
        } catch (VmboxException e) {
            throw LimaErrors.classify(e, "stop", name, limaName);
        }
    }

    @Override
    public void delete(String name, Duration timeout) {
        String limaName = LimaNames.limaName(name);
        if (find(limaName).isEmpty()) {
            return;
        }
        try {
            runner.run(Command.of(timeout, "limactl", "delete", "--tty=false", "--force", limaName));
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

    @Override
    public List<VmStatus> list() {
        List<VmStatus> out = new ArrayList<>();
        for (LimaInstance i : listAll()) {
            LimaNames.vmboxName(i.name()).ifPresent(n -> out.add(status(n, i)));
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
        if (!i.message().isBlank()) {
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

    private LimaInstance require(String name, String limaName) {
        return find(limaName).orElseThrow(() -> VmboxException.notFound("Lima has no instance for '" + name + "' ("
                + limaName + ")", "`vmbox list` shows your instances; `vmbox create " + name + "` makes it"));
    }

    private Optional<LimaInstance> find(String limaName) {
        return find(runner::run, limaName);
    }

    private static Optional<LimaInstance> find(java.util.function.Function<Command, CommandResult> exec, String limaName) {
        return listAll(exec).stream().filter(i -> i.name().equals(limaName)).findFirst();
    }

    private List<LimaInstance> listAll() {
        return listAll(runner::run);
    }

    private static List<LimaInstance> listAll(java.util.function.Function<Command, CommandResult> exec) {
        String out;
        try {
            out = exec.apply(listCommand()).stdout();
        } catch (VmboxException e) {
            throw LimaErrors.classify(e, "list", null, null);
        }
        return LimaOutput.parseList(out);
    }
}
