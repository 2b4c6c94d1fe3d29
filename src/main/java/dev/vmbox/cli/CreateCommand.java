package dev.vmbox.cli;

import dev.vmbox.ExitCode;
import dev.vmbox.app.create.CreateFlow;
import dev.vmbox.app.create.CreateRequest;
import dev.vmbox.app.create.CreateRequests;
import dev.vmbox.app.create.CreateResult;
import dev.vmbox.app.create.HostPayloadSource;
import dev.vmbox.app.create.HttpHealthCheck;
import dev.vmbox.app.plan.PlanRequest;
import dev.vmbox.exec.Command;
import dev.vmbox.image.RuntimeImages;
import dev.vmbox.model.fetch.ModelFetcher;
import dev.vmbox.provider.CreatePlanRunner;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.ProviderSelector;
import dev.vmbox.runtime.GuestPlatform;
import dev.vmbox.runtime.RuntimeCatalog;
import dev.vmbox.runtime.RuntimeFetcher;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.download.Sha256;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.spec.HostFile;
import dev.vmbox.spec.InstanceName;
import dev.vmbox.store.FileNames;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@picocli.CommandLine.Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Make a VM sized for the model, install the model server in it, seal its egress and tunnel its API "
                + "to this host's 127.0.0.1.",
            "",
            "Steps: check, fetch (runtime and model, verified on the host), keys, seed, provision, ssh (pinned host key), "
                    + "cloud-init, install, seal, tunnel, health. A failed step undoes what was made."})
final class CreateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "Instance name: " + InstanceName.RULE + ".")
    String name;

    @Mixin
    ModelOptions model;

    @Option(names = "--runtime-bundle", paramLabel = "FILE",
            description = "The runtime's release archive on this host (air-gapped hosts), instead of downloading it.")
    Path runtimeBundle;

    @Option(names = "--runtime-sha256", paramLabel = "HEX", description = "Vouch for a --runtime-bundle that is not the pinned release.")
    String runtimeSha256;

    @Option(names = {"-p", "--provider"}, paramLabel = "NAME", description = "libvirt, lima or multipass (default: the "
            + "`provider` setting, auto).")
    String provider;

    @Option(names = "--connect", paramLabel = "URI", description = "libvirt connection URI, e.g. qemu+ssh://gpu1/system "
            + "(default: the `libvirt.uri` setting).")
    String connect;

    @Option(names = "--image", paramLabel = "NAME", description = "Base image (libvirt: vmbox-debian-12, the default, "
            + "built locally; a runtime image such as vmbox-llama-cpp-testing, the default for --runtime llama.cpp when "
            + "it is built; or debian-12 / ubuntu-24.04, verified downloads).")
    String image;

    @Option(names = "--egress", paramLabel = "POLICY", description = "sealed (default): the guest never reaches the network; "
            + "fetch-window; open.")
    String egress;

    @Option(names = "--port", paramLabel = "PORT", description = "Host port of the API (default: the runtime's usual port).")
    Integer port;

    @Option(names = "--expose", paramLabel = "ADDR", description = "Publish the API on this host address instead of 127.0.0.1. "
            + "It opens the model server to that network: only with care.")
    String expose;

    @Option(names = "--keep-on-failure", description = "Keep what was made when a step fails (recorded as BROKEN) to inspect it.")
    boolean keepOnFailure;

    @Option(names = "--dry-run", description = "Print the plan and the exact commands the provider would run; run none "
            + "(a remote libvirt host is not contacted).")
    boolean dryRun;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "The whole create's deadline (default: the "
            + "`create.timeout` setting, 45m).")
    String timeout;

    @Option(names = "--json", description = "Print the result as JSON (progress stays on stderr).")
    boolean json;

    @Override
    public Integer call() {
        VmboxCommand root = VmboxCommand.of(spec);
        InstanceName.of(name);
        PlanRequest pr = model.planRequest(root);
        EgressPolicy policy = EgressPolicy.parse(egress != null ? egress : root.config().get("egress"));
        String uri = connect != null ? SettingRules.libvirtUri(connect, "--connect", root.home().root())
                : root.config().get("libvirt.uri");
        Duration deadline = Durations.parse(timeout != null ? timeout : root.config().get("create.timeout"), "--timeout");
        CreateRequests.Options options = CreateRequests.Options.of(name, pr.runtime(), image, policy, port,
                expose != null ? expose : root.config().get("tunnel.bind"), expose != null, keepOnFailure, deadline)
                .withRuntimeBundle(runtimeBundle != null);
        if (runtimeBundle != null) {
            HostFile.require(runtimeBundle, "--runtime-bundle");
        }
        if (runtimeSha256 != null) {
            Sha256.parse(runtimeSha256, "--runtime-sha256");
        }
        // what the check step would refuse without asking a provider, refused before one is even chosen (a dry run too)
        CreateRequests.requireFree(root.store(), options);

        ProviderSelector.Choice<Provider> choice = root.providers().select(provider, root.runner(), uri);
        CreateRequest.Chosen chosen = new CreateRequest.Chosen(choice.provider(), choice.reason(),
                ProviderRegistry.reference(choice.provider().id(), uri));
        CreateRequests requests = new CreateRequests(root.planner(), root.pciHost(),
                new RuntimeImages(root.providers().images()));
        if (policy == EgressPolicy.OPEN) {
            root.progress().note("warning: --egress open: the guest keeps network access; a hostile model server can "
                    + "reach out");
        }
        if (expose != null) {
            root.progress().note("warning: --expose " + expose + ": the model API will be reachable beyond this host's "
                    + "loopback, without authentication");
        }
        if (dryRun) {
            CreateRequests.Decided decided = requests.decideWithoutContact(pr, options, chosen);
            decided.notes().forEach(n -> root.progress().note(n));
            return dryRun(root, decided);
        }
        CreateRequests.Decided decided = requests.decide(pr, options, chosen);
        decided.notes().forEach(n -> root.progress().note(n));
        HostPayloadSource payloads = new HostPayloadSource(
                new RuntimeFetcher(RuntimeCatalog.builtIn(), root.downloader(), root.downloadCache(), root.log()),
                new ModelFetcher(root.registry(), root.hub(), root.downloadCache(), root.home().cacheDir(FileNames.STAGING_DIR)),
                root.home().cacheDir(FileNames.STAGING_DIR),
                new HostPayloadSource.Options(pr.model(), pr.modelFile(), pr.modelSha256(),
                        Optional.ofNullable(runtimeBundle).map(p -> p.toAbsolutePath().normalize()),
                        Optional.ofNullable(runtimeSha256), GuestPlatform.fromArch(System.getProperty("os.arch")),
                        policy == EgressPolicy.FETCH_WINDOW));
        CreateFlow flow = new CreateFlow(root.store(), root.runner(), root.guests(), root.apiTunnel(), payloads,
                new HttpHealthCheck(), root.log(), root.environment().clock(), ManifestVersion.version());
        CreateResult result = withRollbackOnInterrupt(() -> flow.create(decided.request(), root.progress()));
        print(root, result, pr.runtime());
        return ExitCode.OK.code();
    }

    /**
     * Ctrl-C (SIGINT/SIGTERM) during create: the JVM's shutdown waits while the create thread is interrupted
     * and rolls back what it made (bounded), so no half-made VM is left behind; then vmbox exits.
     */
    private static CreateResult withRollbackOnInterrupt(java.util.function.Supplier<CreateResult> create) {
        Thread worker = Thread.currentThread();
        java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
        Thread hook = new Thread(() -> {
            if (finished.getCount() > 0) {
                System.err.println("\nvmbox: interrupted; removing what this create made...");
                worker.interrupt();
                try {
                    finished.await(4, java.util.concurrent.TimeUnit.MINUTES);
                    worker.join(1000); // let the one-line error about the rollback reach the terminal
                } catch (InterruptedException ignored) {
                    // shutting down anyway
                }
            }
        }, "vmbox-create-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return create.get();
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it only waited for this point
            }
        }
    }

    /** The plan, and every command the provider would run ("$" lines, in order), none of them run. */
    private int dryRun(VmboxCommand root, CreateRequests.Decided decided) {
        CreateRequest req = decided.request();
        PrintWriter out = root.out();
        PlanCommand.print(out, decided.plan());
        out.println("Provider: " + req.chosenProvider().id() + " (" + req.provider().reason() + ")");
        out.println("Egress:   " + req.spec().egress().cliName());
        out.println("API:      " + req.api().url() + " -> guest 127.0.0.1:" + req.runtime().port());
        out.println("Image:    " + req.spec().image() + (req.baked() ? " (runtime image: " + req.runtimeImage().describe()
                + "; only the model travels)" : ""));
        out.println("Steps:    " + String.join(", ", CreateFlow.steps(req)));
        if (!decided.hostReads().isEmpty()) {
            out.println("Host:     not contacted by a dry run; the run first reads its capacity"
                    + (req.spec().gpu().wanted() ? " and its PCI devices (for the GPU)" : "") + ":");
            for (Command c : decided.hostReads()) {
                out.println("  " + CreatePlanRunner.PROMPT + c.display());
            }
        }
        out.println("Provider commands (nothing is run now; the run runs each $ line, in order):");
        for (String line : CreatePlanRunner.describe(CreateFlow.providerPlan(root.store(), req))) {
            out.println("  " + line);
        }
        List<String> afterFirstBoot = CreatePlanRunner.describe(CreateFlow.afterFirstBootPlan(req));
        if (!afterFirstBoot.isEmpty()) {
            out.println("Once cloud-init has finished (step unseed), the guest is told to run it no more, then:");
            afterFirstBoot.forEach(line -> out.println("  " + line));
        }
        out.flush();
        return ExitCode.OK.code();
    }

    private void print(VmboxCommand root, CreateResult r, RuntimeKind runtime) {
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("name", r.name());
            doc.put("api", r.endpoint());
            doc.put("model", r.modelName());
            Map<String, Double> steps = new LinkedHashMap<>();
            r.steps().forEach((k, v) -> steps.put(k, v.toMillis() / 1000.0));
            doc.put("stepSeconds", steps);
            doc.put("totalSeconds", r.total().toMillis() / 1000.0);
            doc.put("notes", r.notes());
            JsonOutput.print(root.out(), doc);
            return;
        }
        PrintWriter out = root.out();
        r.notes().forEach(n -> root.err().println("note: " + n));
        out.printf("%s is ready in %s: %s serves %s at %s%n", r.name(), TerminalProgress.seconds(r.total()),
                runtime.cliName(), r.modelName(), r.endpoint());
        out.printf("  try: %s%n", runtime.tryCommand(r.endpoint(), r.modelName()));
        out.printf("  prove it: vmbox verify %s    remove it: vmbox delete %s%n", r.name(), r.name());
        out.flush();
    }
}
