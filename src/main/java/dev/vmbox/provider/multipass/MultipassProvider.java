package dev.vmbox.provider.multipass;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
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
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.InstanceName;
import dev.vmbox.spec.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * vmbox on Multipass, through the {@code multipass} client. The user-data goes to {@code launch} on
 * stdin ({@code --cloud-init -}): the snap-confined client cannot read files in hidden folders such as
 * ~/.vmbox, and the file holds the guest's host key. SSH goes to the instance's IPv4 address with
 * vmbox's own key (Multipass adds its daemon's key too; vmbox never uses it). No host folder is ever
 * mounted. Multipass has no GPU passthrough and no hypervisor-level egress seal: egress is sealed by
 * nftables inside the guest only.
 */
public final class MultipassProvider implements Provider {
    static final String PREFIX = "vmbox-";
    /** The user Multipass's daemon logs in to its guests as. */
    static final String USER = "ubuntu";
    static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DELETE_TIMEOUT = Duration.ofMinutes(3);
    /** Multipass's own wait ends this much before ours, so its message (exit code 5) wins. */
    static final Duration MARGIN = Duration.ofSeconds(15);
    private static final Map<String, String> IMAGES = new LinkedHashMap<>();

    static {
        IMAGES.put(VmSpec.DEFAULT_IMAGE, "24.04");
        IMAGES.put("ubuntu-24.04", "24.04");
        IMAGES.put("ubuntu-22.04", "22.04");
    }

    /**
     * What Multipass cannot isolate the way libvirt does, one line each, for {@code vmbox verify} and the
     * README: the guarantees vmbox gives on Multipass hold only as long as the guest's own nftables hold.
     */
    public static final List<String> LIMITS = List.of(
            "egress is sealed by nftables inside the guest only: Multipass has no hypervisor-level seal, "
                    + "so root in the guest could lift it",
            "the guest sits on Multipass's host bridge: host services listening on all interfaces are "
                    + "reachable from it unless the guest's nftables seal holds",
            "the Multipass daemon adds its own key (root-owned on the host) for the default 'ubuntu' user, "
                    + "which has sudo in the guest",
            "no GPU: Multipass has no GPU or PCI passthrough",
            "guests are Ubuntu (Multipass's images), not vmbox's minimal Debian");

    private final CommandRunner runner;
    private final EventLog log;
    private final MultipassProbe probe;
    private final int guestSshPort;

    public MultipassProvider(CommandRunner runner, Executables executables, EventLog log) {
        this(runner, executables, log, 22);
    }

    /** {@code guestSshPort}: where the guest's sshd listens (22 in every Multipass image). */
    public MultipassProvider(CommandRunner runner, Executables executables, EventLog log, int guestSshPort) {
        if (guestSshPort < 1 || guestSshPort > 65535) {
            throw new IllegalArgumentException("port out of range: " + guestSshPort);
        }
        this.runner = runner;
        this.log = log;
        this.probe = new MultipassProbe(runner, executables);
        this.guestSshPort = guestSshPort;
    }

    @Override
    public String id() {
        return "multipass";
    }

    @Override
    public Availability probe() {
        return probe.probe();
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(false, false, false, false, false);
    }

    /** Multipass's daemon logs in as {@code ubuntu} (daemon_config.cpp: the default ssh_username), always. */
    @Override
    public Optional<String> ownSshUser() {
        return Optional.of(USER);
    }

    /**
     * Multipass keeps nothing that tells who made an instance (no labels or notes: vm_specs.h), so an instance of this
     * name is {@link Ownership.Kind#UNPROVEN}: vmbox proves it from inside the guest (its record, its SSH key and the
     * pinned host key, and the instance named in /etc/vmbox/guest.json) before it starts, stops or deletes it.
     */
    @Override
    public Ownership ownership(String name) {
        String mpName = mpName(name);
        return find(mpName).map(i -> new Ownership(Ownership.Kind.UNPROVEN, mpName,
                        "Multipass keeps no mark of who made an instance; only the guest itself can tell"))
                .orElse(new Ownership(Ownership.Kind.ABSENT, mpName, "Multipass has no instance of that name"));
    }

    @Override
    public boolean keepsVmboxMark() {
        return false;
    }

    @Override
    public void validate(VmSpec spec) {
        mpName(spec.name());
        image(spec.image());
        if (spec.gpu().wanted()) {
            throw VmboxException.badInput("Multipass cannot give a VM a GPU (it has no GPU or PCI passthrough)",
                    "use --gpu none, or --provider libvirt (Linux, VFIO) or --provider lima (Apple Silicon, krunkit)");
        }
    }

    /** {@code multipass launch} for {@code spec}: Multipass's own wait ends {@link #MARGIN} before the create's. */
    static Command launch(VmSpec spec, Duration timeout) {
        return Command.of(timeout, "multipass", "launch",
                "--name", mpName(spec.name()),
                "--cpus", Integer.toString(spec.cpus()),
                "--memory", size(spec.memory()),
                "--disk", size(spec.disk()),
                "--cloud-init", "-",
                "--timeout", Long.toString(Math.max(1, ownWait(timeout).toSeconds())),
                image(spec.image()));
    }

    private static Command info(String mpName) {
        return Command.of(QUERY_TIMEOUT, "multipass", "info", "--format", "json", mpName);
    }

    private static Command purge(String mpName) {
        return Command.of(DELETE_TIMEOUT, "multipass", "delete", "--purge", mpName);
    }

    /**
     * One step: launch the VM with the seed's user-data on stdin. Multipass itself refuses a name it already has
     * ({@code instance "NAME" already exists}: nothing made, nothing undone), so no query comes first. A failed launch
     * is purged (the daemon may go on initialising the VM in the background: Multipass's timeout does not stop it),
     * unless Multipass refused it before making anything.
     */
    @Override
    public CreatePlan createPlan(VmSpec spec, SeedFiles seed, Duration timeout) {
        validate(spec);
        String mpName = mpName(spec.name());
        Command launch = launch(spec, timeout);
        Command purge = purge(mpName);
        PlanStep launchStep = PlanStep.named("launch", "make and boot the VM")
                .runs(PlannedCommand.always(launch).withStdin("the seed's user-data (never shown)"))
                .does(ctx -> {
                    log.debug("multipass: " + spec.image() + " is Ubuntu " + image(spec.image()) + " on Multipass");
                    try {
                        ctx.run(launch, readUserData(seed));
                    } catch (VmboxException e) {
                        VmboxException classified = MultipassErrors.classify(e, "launch", spec.name(), mpName);
                        ExitCode code = classified.exitCode();
                        if (code != ExitCode.BAD_INPUT && code != ExitCode.IN_USE && code != ExitCode.UNAVAILABLE) {
                            ctx.made(); // refused (a bad or taken name, no daemon): nothing was made
                        }
                        throw classified;
                    }
                })
                .undoneBy("the half-made instance", "remove it with `multipass delete --purge " + mpName + "`", ctx -> {
                    if (lookup(ctx::run, mpName).isPresent()) {
                        ctx.run(purge);
                    }
                }, PlannedCommand.always(info(mpName)), PlannedCommand.when("when Multipass has it", purge));
        return new CreatePlan(id(), List.of(spec.image() + " is Ubuntu " + image(spec.image()) + " on Multipass",
                "Multipass's daemon logs in to the guest as '" + USER + "' with its own key, which the guest's sshd lets "
                        + "in with no forwarding"), List.of(launchStep));
    }

    /**
     * Multipass has no switch per instance: its daemon (a system service) starts again at its own start every
     * instance that was running when it stopped (daemon.cpp, "needs starting"), and no other. Nothing to run.
     */
    @Override
    public String setAutostart(String name, boolean on, Duration timeout) {
        require(name, mpName(name));
        return on ? "Multipass has no autostart switch: its daemon starts again, at boot, every instance that was running "
                + "when it stopped; keep the VM running (vmbox start " + name + ")"
                : "Multipass has no autostart switch: stop the VM (vmbox stop " + name + ") so its daemon does not start it at boot";
    }

    @Override
    public void start(String name, Duration timeout) {
        String mpName = mpName(name);
        MultipassInstance inst = require(name, mpName);
        if (MultipassOutput.state(inst.state()) == VmState.RUNNING) {
            return;
        }
        try {
            runner.run(Command.of(timeout, "multipass", "start", "--timeout",
                    Long.toString(Math.max(1, ownWait(timeout).toSeconds())), mpName));
        } catch (VmboxException e) {
            throw MultipassErrors.classify(e, "start", name, mpName);
        }
    }

    @Override
    public void stop(String name, StopMode mode, Duration timeout) {
        String mpName = mpName(name);
        MultipassInstance inst = require(name, mpName);
        if (MultipassOutput.state(inst.state()) == VmState.STOPPED) {
            return;
        }
        List<String> argv = new ArrayList<>(List.of("multipass", "stop"));
        if (mode == StopMode.FORCE) {
            argv.add("--force");
        }
        argv.add(mpName);
        try {
            runner.run(Command.of(timeout, argv));
        } catch (VmboxException e) {
            throw MultipassErrors.classify(e, "stop", name, mpName);
        }
    }

    @Override
    public void delete(String name, Duration timeout) {
        String mpName = mpName(name);
        try {
            runner.run(Command.of(timeout, "multipass", "delete", "--purge", mpName));
        } catch (VmboxException e) {
            VmboxException c = MultipassErrors.classify(e, "delete", name, mpName);
            if (c.exitCode() != ExitCode.NOT_FOUND) {
                throw c;
            }
        }
    }

    @Override
    public VmStatus inspect(String name) {
        String mpName = mpName(name);
        return find(mpName).map(i -> status(name, i)).orElse(VmStatus.notCreated(name, id()));
    }

    @Override
    public List<VmStatus> list() {
        String out;
        try {
            out = runner.run(Command.of(QUERY_TIMEOUT, "multipass", "list", "--format", "json")).stdout();
        } catch (VmboxException e) {
            throw MultipassErrors.classify(e, "list", null, null);
        }
        List<VmStatus> result = new ArrayList<>();
        for (MultipassInstance i : MultipassOutput.parseList(out)) {
            if (i.name().startsWith(PREFIX) && i.name().length() > PREFIX.length()) {
                result.add(status(i.name().substring(PREFIX.length()), i));
            }
        }
        return result;
    }

    @Override
    public Optional<SshEndpoint> sshEndpoint(String name) {
        return find(mpName(name))
                .filter(i -> MultipassOutput.state(i.state()) == VmState.RUNNING && !i.ipv4().isEmpty())
                .map(i -> new SshEndpoint(i.ipv4().get(0), guestSshPort));
    }

    private VmStatus status(String name, MultipassInstance i) {
        VmState state = MultipassOutput.state(i.state());
        List<String> messages = new ArrayList<>();
        for (String m : i.mounts()) {
            messages.add("host folder mounted: " + m + " (vmbox never mounts host folders; remove it with "
                    + "`multipass umount " + PREFIX + name + "`)");
        }
        if ("Deleted".equals(i.state())) {
            messages.add("deleted but not purged: `vmbox delete " + name + "` purges it");
        } else if (state == VmState.BROKEN) {
            messages.add("Multipass reports state '" + i.state() + "'");
        }
        return new VmStatus(name, id(), state, messages);
    }

    private MultipassInstance require(String name, String mpName) {
        return find(mpName).orElseThrow(() -> VmboxException.notFound("Multipass has no instance for '" + name + "' ("
                + mpName + ")", "`vmbox list` shows your instances; `vmbox create " + name + "` makes it"));
    }

    /** {@code multipass info}; empty when Multipass says the instance does not exist. */
    private Optional<MultipassInstance> find(String mpName) {
        return lookup(runner::run, mpName);
    }

    private static Optional<MultipassInstance> lookup(java.util.function.Function<Command, CommandResult> exec, String mpName) {
        String out;
        try {
            out = exec.apply(info(mpName)).stdout();
        } catch (CommandFailedException e) {
            VmboxException c = MultipassErrors.classify(e, "info", mpName, mpName);
            if (c.exitCode() == ExitCode.NOT_FOUND) {
                return Optional.empty();
            }
            throw c;
        } catch (VmboxException e) {
            throw MultipassErrors.classify(e, "info", mpName, mpName);
        }
        return MultipassOutput.parseInfo(out, mpName);
    }

    /**
     * Multipass's name for a vmbox instance. Every instance name fits Multipass's rule with the prefix (a letter first,
     * then letters, digits and '-', not ending with '-': utils::valid_hostname), and "vmbox-" keeps it from ever being
     * {@code primary} (which would mount the user's home): {@link InstanceName} is stricter.
     */
    static String mpName(String name) {
        return PREFIX + InstanceName.of(name).value();
    }

    static String image(String image) {
        String alias = IMAGES.get(image);
        if (alias == null) {
            throw VmboxException.badInput("Multipass has no image called '" + image + "' for vmbox",
                    "use one of: " + String.join(", ", IMAGES.keySet()) + " (Multipass runs Ubuntu guests)");
        }
        return alias;
    }

    /** Whole GiB as {@code NG}, else MiB rounded up as {@code NM} (Multipass counts K/M/G in 1024s). */
    static String size(ByteSize size) {
        long b = size.bytes();
        if (b % ByteSize.GIB == 0) {
            return b / ByteSize.GIB + "G";
        }
        return (b + ByteSize.MIB - 1) / ByteSize.MIB + "M";
    }

    private static Duration ownWait(Duration left) {
        return left.compareTo(MARGIN.multipliedBy(2)) > 0 ? left.minus(MARGIN) : left;
    }

    private static byte[] readUserData(SeedFiles seed) {
        Path file = seed.userData();
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot read the seed's user-data at " + file + ": " + e.getMessage(),
                    "this is a bug in vmbox; please report it", e);
        }
    }
}
