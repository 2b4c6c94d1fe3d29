package dev.vmbox.cli;

import dev.vmbox.app.create.HttpHealthCheck;
import dev.vmbox.app.instance.InstanceLifecycle;
import dev.vmbox.app.instance.InstanceLookup;
import dev.vmbox.app.instance.InstanceShell;
import dev.vmbox.app.instance.InstanceTunnel;
import dev.vmbox.app.instance.InstanceVerification;
import dev.vmbox.app.instance.InstanceViews;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelControl;
import dev.vmbox.config.VmboxConfig;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.log.StreamLog;
import dev.vmbox.store.FileNames;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.VmboxHome;
import java.io.PrintWriter;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The root command. Holds what every subcommand shares (the environment, writers, --debug) and
 * makes services on first use, so a fast command like {@code list} pays only for what it touches.
 */
@Command(name = "vmbox",
        mixinStandardHelpOptions = true,
        versionProvider = ManifestVersion.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        header = "Run a local AI model server inside its own sealed VM, reachable only on 127.0.0.1.",
        description = {
            "",
            "vmbox makes a VM sized for the model (libvirt, Lima or Multipass), installs the model server in it "
                    + "with no network egress, and tunnels its API to the host's loopback over SSH with a pinned host key.",
        },
        footer = {"", "Files: VMBOX_HOME (default ~/.vmbox) holds instances, keys and the cache;",
            "settings come from VMBOX_HOME/_config/config.yaml and VMBOX_* variables (see `vmbox config list`)."})
public final class VmboxCommand implements Runnable, AutoCloseable {
    /**
     * The subcommands, in the order --help lists them, each with the name and aliases of its {@code @Command}.
     * They are registered here rather than in the annotation so that a run builds only the one it needs
     * ({@link Vmbox#needed}); help, completion and man pages get all of them.
     */
    static final List<Subcommand> SUBCOMMANDS = List.of(
            new Subcommand(DoctorCommand.class, "doctor"),
            new Subcommand(ListCommand.class, "list", "ls"),
            new Subcommand(CreateCommand.class, "create"),
            new Subcommand(PlanCommand.class, "plan"),
            new Subcommand(StatusCommand.class, "status"),
            new Subcommand(StartCommand.class, "start"),
            new Subcommand(StopCommand.class, "stop"),
            new Subcommand(DeleteCommand.class, "delete", "rm"),
            new Subcommand(VerifyCommand.class, "verify"),
            new Subcommand(LogsCommand.class, "logs"),
            new Subcommand(SshCommand.class, "ssh"),
            new Subcommand(ExecCommand.class, "exec"),
            new Subcommand(TunnelCommand.class, "tunnel"),
            new Subcommand(ApiKeyCommand.class, "api-key"),
            new Subcommand(EnvCommand.class, "env"),
            new Subcommand(AutostartCommand.class, "autostart"),
            new Subcommand(ImageCommand.class, "image"),
            new Subcommand(ConfigCommand.class, "config"),
            new Subcommand(AutoComplete.GenerateCompletion.class, "generate-completion"));

    /** One subcommand: its class and the words that call it (its name, then its aliases). */
    record Subcommand(Class<?> type, List<String> names) {
        Subcommand(Class<?> type, String... names) {
            this(type, List.of(names));
        }
    }

    private final CliEnvironment environment;
    private final PrintWriter out;
    private final PrintWriter err;
    private boolean debug;

    private EventLog log;
    private CommandRunner runner;
    private VmboxHome home;
    private InstanceStore store;
    private VmboxConfig config;
    private ProviderRegistry providers;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    VmboxCommand(CliEnvironment environment, PrintWriter out, PrintWriter err) {
        this.environment = environment;
        this.out = out;
        this.err = err;
        this.debug = "1".equals(environment.env().get("VMBOX_DEBUG"));
    }

    /** The root command of any (sub)command, where the shared services live. */
    static VmboxCommand of(picocli.CommandLine.Model.CommandSpec spec) {
        return (VmboxCommand) spec.root().userObject();
    }

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Show every external command, its timing and the full cause of errors (on stderr).")
    void setDebug(boolean value) {
        this.debug = this.debug || value;
    }

    boolean debug() {
        return debug;
    }

    @Override
    public void run() {
        spec.commandLine().usage(out);
    }

    CliEnvironment environment() {
        return environment;
    }

    PrintWriter out() {
        return out;
    }

    PrintWriter err() {
        return err;
    }

    EventLog log() {
        if (log == null) {
            log = new StreamLog(err, debug, environment.clock());
        }
        return log;
    }

    Executables executables() {
        return Executables.fromEnvironment(environment.env());
    }

    CommandRunner runner() {
        if (runner == null) {
            runner = new ZtExecCommandRunner(log(), executables());
        }
        return runner;
    }

    VmboxHome home() {
        if (home == null) {
            home = VmboxHome.fromEnvironment(environment.env());
        }
        return home;
    }

    InstanceStore store() {
        if (store == null) {
            store = new InstanceStore(home());
        }
        return store;
    }

    VmboxConfig config() {
        if (config == null) {
            config = VmboxConfig.load(home().configFile(), environment.env());
        }
        return config;
    }

    dev.vmbox.app.instance.GuestAccess guests() {
        return new dev.vmbox.app.instance.GuestAccess(new dev.vmbox.ssh.SshClient(log(), executables()));
    }

    dev.vmbox.app.progress.Progress progress() {
        return new TerminalProgress(err, environment.terminal());
    }

    ProviderRegistry providers() {
        if (providers == null) {
            providers = new ProviderRegistry(this);
        }
        return providers;
    }

    InstanceLookup instanceLookup() {
        return new InstanceLookup(store(), providers());
    }

    /** The API tunnels of instances, run by detached agents ({@link #agentCommandPrefix()}). */
    ApiTunnel apiTunnel() {
        return new ApiTunnel(new TunnelControl(executables()), agentCommandPrefix());
    }

    InstanceViews instanceViews() {
        return new InstanceViews(instanceLookup(), apiTunnel());
    }

    InstanceLifecycle instanceLifecycle() {
        return new InstanceLifecycle(instanceLookup(), guests(), apiTunnel(), new HttpHealthCheck()::await, log());
    }

    InstanceTunnel instanceTunnel() {
        return new InstanceTunnel(instanceLookup(), apiTunnel());
    }

    InstanceShell instanceShell() {
        return new InstanceShell(instanceLookup(), guests());
    }

    InstanceVerification instanceVerification() {
        return new InstanceVerification(instanceLookup(), guests(), apiTunnel(), environment.systemRoot());
    }

    dev.vmbox.download.ContentCache downloadCache() {
        return new dev.vmbox.download.ContentCache(home().cacheDir(FileNames.DOWNLOADS_DIR));
    }

    dev.vmbox.download.Downloader downloader() {
        return dev.vmbox.download.Downloader.create(log());
    }

    /** Network clients for the Ollama registry and Hugging Face, unless VMBOX_OFFLINE=1. */
    boolean offline() {
        return "1".equals(environment.env().get("VMBOX_OFFLINE"));
    }

    java.util.Optional<dev.vmbox.model.fetch.OllamaRegistry> registry() {
        return offline() ? java.util.Optional.empty()
                : java.util.Optional.of(new dev.vmbox.model.fetch.OllamaRegistry(downloader()));
    }

    java.util.Optional<dev.vmbox.model.fetch.HuggingFaceFiles> hub() {
        return offline() ? java.util.Optional.empty() : java.util.Optional.of(new dev.vmbox.model.fetch.HuggingFaceFiles(
                dev.vmbox.model.fetch.HuggingFaceFiles.DEFAULT_BASE, downloader(),
                java.util.Optional.ofNullable(environment.env().get("HF_TOKEN"))));
    }

    dev.vmbox.app.plan.Planner planner() {
        java.nio.file.Path tmp = home().cacheDir(FileNames.TMP_DIR);
        dev.vmbox.model.fetch.ModelInspector inspector = new dev.vmbox.model.fetch.ModelInspector(
                dev.vmbox.model.ModelCatalog.builtIn(), registry(), hub(), tmp,
                dev.vmbox.model.fetch.ModelInspector.DEFAULT_HEADER_BYTES);
        return new dev.vmbox.app.plan.Planner(inspector, pciHost(), home().root());
    }

    /** This machine's PCI devices (sysfs under the system root). */
    dev.vmbox.host.PciHost pciHost() {
        return new dev.vmbox.host.LocalPciHost(new dev.vmbox.host.PciScanner(environment.systemRoot()),
                new dev.vmbox.host.GpuMemory(environment.systemRoot(), runner()), environment.systemRoot());
    }

    dev.vmbox.provider.libvirt.PassthroughPlanner gpuPlanner() {
        return new dev.vmbox.provider.libvirt.GpuPassthroughPlanner(pciHost());
    }

    /**
     * How the user's tunnel agent is started: this same Java and class path, hidden command "tunnel run", with
     * the flags of a small resident process ({@link dev.vmbox.app.tunnel.TunnelAgent#JVM_FLAGS}).
     */
    static java.util.List<String> agentCommandPrefix() {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(dev.vmbox.app.tunnel.TunnelAgent.JVM_FLAGS);
        cmd.addAll(java.util.List.of("-cp", dev.vmbox.app.tunnel.TunnelAgent.absoluteClassPath(System.getProperty("java.class.path")),
                Main.class.getName(), "tunnel", "run"));
        return java.util.List.copyOf(cmd);
    }

    /** Ends a progress line in progress before an error is printed. */
    void flushProgress() {
        out.flush();
        err.flush();
    }

    @Override
    public void close() {
        out.flush();
        err.flush();
    }
}
