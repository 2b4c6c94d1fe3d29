package dev.vmbox.app.create;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.instance.GuestAccess;
import dev.vmbox.app.instance.InstanceFiles;
import dev.vmbox.app.instance.InstanceSettings;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelControl;
import dev.vmbox.app.tunnel.TunnelSettings;
import dev.vmbox.app.tunnel.TunnelStatus;
import dev.vmbox.cloudinit.CloudInitComposer;
import dev.vmbox.cloudinit.GuestLayout;
import dev.vmbox.cloudinit.GuestSpec;
import dev.vmbox.cloudinit.MetaData;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.wait.Deadline;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.provider.StopMode;
import dev.vmbox.security.KeyMaterial;
import dev.vmbox.security.SshKeys;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.store.InstanceLock;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code vmbox create}: check, fetch, keys, seed, provision, SSH, cloud-init, install, seal, tunnel,
 * health. Each step runs under the overall deadline; when one fails, what was made is undone in
 * reverse order (unless keep-on-failure, which records the instance as BROKEN) and the error names the
 * step, the reason and the log.
 */
public final class CreateFlow {
    public static final List<String> STEPS = List.of(
            "check", "fetch", "keys", "seed", "provision", "ssh", "cloud-init", "install", "seal", "tunnel", "health");
    static final String STAGE = "/var/tmp/vmbox-install";
    private static final String INSTANCE_FOLDER = "instance folder";
    /** Succeeds only when the guest's loaded ruleset is the sealed one (the same proof vmbox-seal ends with). */
    static final String SEALED_PROOF = "sudo -n nft list chain inet vmbox output | grep -q 'vmbox: egress sealed'";

    private final InstanceStore store;
    private final CommandRunner runner;
    private final GuestAccess guests;
    private final TunnelControl tunnels;
    private final PayloadSource payloads;
    private final HealthCheck health;
    private final EventLog log;
    private final Clock clock;
    private final List<String> agentCommandPrefix;
    private final String vmboxVersion;

    public CreateFlow(InstanceStore store, CommandRunner runner, GuestAccess guests, TunnelControl tunnels,
                      PayloadSource payloads, HealthCheck health, EventLog log, Clock clock, List<String> agentCommandPrefix,
                      String vmboxVersion) {
        this.store = store;
        this.runner = runner;
        this.guests = guests;
        this.tunnels = tunnels;
        this.payloads = payloads;
        this.health = health;
        this.log = log;
        this.clock = clock;
        this.agentCommandPrefix = List.copyOf(agentCommandPrefix);
        this.vmboxVersion = vmboxVersion;
    }

    public CreateResult create(CreateRequest req, Progress progress) {
        progress.plan(STEPS);
        long started = System.nanoTime();
        Deadline deadline = Deadline.in(req.timeout());
        Map<String, Duration> timings = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Deque<Undo> undo = new ArrayDeque<>();
        String name = req.name();
        InstanceFiles files = new InstanceFiles(store.dir(name));
        Progress.Step step = null;
        InstanceLock lock = null;
        try {
            // check: nothing is made before the request is known to be sound.
            step = progress.begin("check");
            if (store.exists(name)) {
                throw VmboxException.badInput("an instance named '" + name + "' already exists",
                        "pick another name, or remove it first with: vmbox delete " + name);
            }
            req.provider().validate(req.spec());
            if (req.provider().inspect(name).exists()) {
                throw VmboxException.badInput(req.provider().id() + " already has a VM for '" + name + "' that vmbox has no "
                        + "record of", "remove it with your provider's own tool, or pick another name");
            }
            java.net.InetAddress bind = bindAddress(req);
            dev.vmbox.app.tunnel.TunnelAgent.checkPortFree(bind, req.apiBind(), req.apiPort());
            timings.put("check", step.done(req.provider().id() + " (" + req.providerReason() + ")"));

            step = progress.begin("fetch");
            Payload payload = payloads.fetch(req, step);
            notes.addAll(payload.notes());
            timings.put("fetch", step.done(payload.modelName() + ", runtime " + payload.runtimeVersion()));

            // keys: the instance folder and its record exist from here on; undo removes them.
            step = progress.begin("keys");
            store.create(record(req, null, InstanceRecord.Phase.CREATING));
            undo.push(new Undo(INSTANCE_FOLDER, () -> store.deleteFolder(name)));
            lock = store.lock(name, InstanceStore.DEFAULT_LOCK_WAIT);
            SecureFiles.privateDir(files.logsDir());
            KeyMaterial keys = SshKeys.generate(files.sshDir(), name, runner);
            store.write(record(req, keys.hostKey().publicKey(), InstanceRecord.Phase.CREATING));
            timings.put("keys", step.done("ed25519 client key and pinned host key"));

            step = progress.begin("seed");
            GuestSpec guest = new GuestSpec(name, name, req.adminUser(), keys.clientPublicKey(), keys.hostKey(),
                    req.runtime(), req.runtimePort(), req.spec().egress(), req.gpuKind(), req.runtimeMemoryMax(),
                    4096, req.modelRef());
            Path seed = SecureFiles.privateDir(files.seedDir());
            SecureFiles.writeAtomically(seed.resolve("user-data"),
                    CloudInitComposer.renderUserData(guest).getBytes(StandardCharsets.UTF_8));
            SecureFiles.writeAtomically(seed.resolve("meta-data"), CloudInitComposer.renderMetaData(guest,
                    MetaData.freshInstanceId(name)).getBytes(StandardCharsets.UTF_8));
            Files.deleteIfExists(keys.hostPrivateKey());
            timings.put("seed", step.done(String.join(" + ", CloudInitComposer.fragments(guest))));

            step = progress.begin("provision");
            Provider provider = req.provider();
            if (provider.inspect(name).exists()) {
                throw VmboxException.badInput(provider.id() + " now has a VM for '" + name + "' that this create did not "
                        + "make", "another vmbox may be creating the same name; pick another name");
            }
            // a provider cleans up its own half-made create; from here on the VM is ours to remove
            provider.create(req.spec(), seed, deadline.remaining("step 'provision'"));
            undo.push(new Undo("VM", () -> provider.delete(name, Duration.ofMinutes(3))));
            // the seed (it holds the guest's host private key) now lives only in what the provider made
            SecureFiles.deleteTree(seed);
            timings.put("provision", step.done(req.spec().cpus() + " vCPU, " + req.spec().memory() + ", "
                    + req.spec().disk() + " disk"));

            step = progress.begin("ssh");
            Progress.Step sshStep = step;
            String sealed;
            InstanceRecord rec = store.read(name);
            SshSession session = guests.waitForSsh(() -> provider.sshEndpoint(name)
                            .map(ep -> GuestAccess.target(rec, files, ep)).orElse(null),
                    deadline.remaining("step 'ssh'"), () -> provider.inspect(name), sshStep);
            try (session) {
                session.target().hostKey().writeKnownHosts(files.knownHosts());
                timings.put("ssh", step.done(session.target().display() + ", host key matches the pinned key"));

                step = progress.begin("cloud-init");
                guests.waitForCloudInit(session, deadline.remaining("step 'cloud-init'"), step);
                timings.put("cloud-init", step.done(null));

                step = progress.begin("install");
                install(session, req, payload, step, deadline);
                timings.put("install", step.done(payload.modelName() + " in " + req.runtime().installDirectory()));

                step = progress.begin("seal");
                sealed = seal(session, req, deadline);
            }
            if (req.spec().egress() == dev.vmbox.spec.EgressPolicy.FETCH_WINDOW
                    && provider.capabilities().hypervisorEgressSeal()) {
                // the guest's nftables are closed; now close the hypervisor too: it takes a restart
                step.detail("restarting with egress sealed at the hypervisor");
                provider.stop(name, StopMode.GRACEFUL, deadline.remaining("step 'seal'", Duration.ofMinutes(3)));
                provider.sealEgress(name, deadline.remaining("step 'seal'", Duration.ofMinutes(1)));
                provider.start(name, deadline.remaining("step 'seal'", Duration.ofMinutes(3)));
                Progress.Step sealStep = step;
                try (SshSession again = guests.waitForSsh(() -> provider.sshEndpoint(name)
                                .map(ep -> GuestAccess.target(rec, files, ep)).orElse(null),
                        deadline.remaining("step 'seal'"), () -> provider.inspect(name), sealStep)) {
                    again.execChecked(SEALED_PROOF, Duration.ofSeconds(30));
                }
                sealed += "; restarted sealed at the hypervisor too";
            }
            timings.put("seal", step.done(sealed));

            step = progress.begin("tunnel");
            InstanceRecord ready = store.read(name);
            TunnelSettings ts = tunnelSettings(req, GuestAccess.target(ready, files,
                    provider.sshEndpoint(name).orElseThrow(() -> new VmboxException(ExitCode.FAILED,
                            "the VM has no SSH endpoint", "see vmbox status " + name))));
            undo.push(new Undo("tunnel", () -> tunnels.stop(files.tunnelDir(), Duration.ofSeconds(10))));
            TunnelStatus tunnel = tunnels.start(files.tunnelDir(), ts, ApiTunnel.agentCommand(agentCommandPrefix, files.tunnelDir()),
                    deadline.remaining("step 'tunnel'", Duration.ofSeconds(60)));
            if (!tunnel.up()) {
                throw new VmboxException(ExitCode.FAILED, "the tunnel did not come up: " + tunnel.describe(),
                        "see " + files.tunnelDir().resolve("tunnel.log"));
            }
            ts.exposureWarning().ifPresent(progress::note);
            timings.put("tunnel", step.done(ts.endpoint() + " -> guest 127.0.0.1:" + req.runtimePort()));

            step = progress.begin("health");
            String endpoint = "http://" + hostForUrl(req.apiBind()) + ":" + req.apiPort();
            String answer = health.await(req.runtime(), endpoint, dev.vmbox.security.ApiKeys.read(files.apiKey()),
                    deadline.remaining("step 'health'", Duration.ofMinutes(3)), step);
            timings.put("health", step.done(answer));

            store.write(store.read(name).withPhase(InstanceRecord.Phase.READY, null)
                    .withSettings(InstanceSettings.merge(store.read(name).settings(),
                            Map.of(InstanceSettings.MODEL_NAME, payload.modelName()))));
            return new CreateResult(name, endpoint, payload.modelName(), timings,
                    Duration.ofNanos(System.nanoTime() - started), notes);
        } catch (RuntimeException | IOException e) {
            // after Ctrl-C the rollback must still be able to run commands and wait for them
            boolean interrupted = Thread.interrupted();
            VmboxException v = interrupted && !(e instanceof VmboxException)
                    ? new VmboxException(ExitCode.INTERRUPTED, "interrupted", null, e) : asVmbox(e);
            String failedStep = step == null ? "check" : step.name();
            if (step != null) {
                step.fail(v.getMessage());
            }
            throw rollback(req, failedStep, v, undo, files, progress);
        } finally {
            payloads.cleanUp(req);
            if (lock != null) {
                lock.close();
            }
        }
    }

    private VmboxException rollback(CreateRequest req, String failedStep, VmboxException cause, Deque<Undo> undo,
                                    InstanceFiles files, Progress progress) {
        String name = req.name();
        String logHint = files.createLog().toString();
        if (undo.isEmpty()) {
            return new VmboxException(cause.exitCode(), "create failed at step '" + failedStep + "': " + cause.getMessage(),
                    cause.hint(), cause);
        }
        if (req.keepOnFailure()) {
            try {
                store.write(store.read(name).withPhase(InstanceRecord.Phase.BROKEN,
                        "step '" + failedStep + "': " + cause.getMessage()));
            } catch (VmboxException e) {
                log.warn("could not record the failure: " + e.getMessage());
            }
            writeFailureLog(files, failedStep, cause, List.of("kept on purpose (--keep-on-failure)"));
            return new VmboxException(cause.exitCode(), "create failed at step '" + failedStep + "': " + cause.getMessage()
                    + " (kept as BROKEN; log: " + logHint + ")", "inspect it with vmbox ssh " + name
                    + ", then remove it with: vmbox delete " + name, cause);
        }
        Progress.Step step = progress.begin("rollback");
        List<String> leftovers = new ArrayList<>();
        List<String> done = new ArrayList<>();
        while (!undo.isEmpty()) {
            Undo u = undo.pop();
            if (!leftovers.isEmpty() && u.what().equals(INSTANCE_FOLDER)) {
                break; // keep the record (as BROKEN) and the keys, so `vmbox delete` can finish the job
            }
            try {
                u.action.run();
                done.add(u.what);
            } catch (RuntimeException | IOException e) {
                leftovers.add(u.what + " (" + e.getMessage() + ")");
                log.warn("rollback: could not remove the " + u.what + ": " + e.getMessage());
            }
        }
        String logPath = writeFailureLog(files, failedStep, cause, done);
        if (leftovers.isEmpty()) {
            step.done("removed " + String.join(", ", done));
            return new VmboxException(cause.exitCode(), "create failed at step '" + failedStep + "': " + cause.getMessage()
                    + " (everything made was removed" + (logPath == null ? "" : "; log: " + logPath) + ")",
                    cause.hint(), cause);
        }
        step.fail("left behind: " + String.join(", ", leftovers));
        try {
            store.write(store.read(name).withPhase(InstanceRecord.Phase.BROKEN, "step '" + failedStep + "': "
                    + cause.getMessage() + "; rollback left " + String.join(", ", leftovers)));
        } catch (VmboxException e) {
            log.warn("could not record the broken instance: " + e.getMessage());
        }
        return new VmboxException(cause.exitCode(), "create failed at step '" + failedStep + "': " + cause.getMessage()
                + "; the rollback could not remove " + String.join(", ", leftovers), "it is recorded as BROKEN: "
                + "remove what is left with: vmbox delete " + name + " --force", cause);
    }

    /** The failure, for the user to read later; kept outside the instance folder when that is removed. */
    private String writeFailureLog(InstanceFiles files, String failedStep, VmboxException cause, List<String> undone) {
        String text = "vmbox create failed at " + clock.instant() + "\nstep: " + failedStep + "\nerror: "
                + cause.getMessage() + "\nhint: " + cause.hint() + "\nundone: " + String.join(", ", undone) + "\n";
        Path target = Files.isDirectory(files.dir()) ? files.createLog()
                : files.dir().resolveSibling("_logs").resolve(files.dir().getFileName() + "-create-failed.log");
        try {
            SecureFiles.privateDir(target.getParent());
            SecureFiles.writeAtomically(target, text.getBytes(StandardCharsets.UTF_8));
            return target.toString();
        } catch (VmboxException e) {
            return null;
        }
    }

    private void install(SshSession session, CreateRequest req, Payload payload, Progress.Step step, Deadline deadline) {
        session.execChecked("rm -rf " + STAGE + " && mkdir -m 0700 " + STAGE + " && mkdir " + STAGE + "/model",
                deadline.remaining("step 'install'", Duration.ofSeconds(30)));
        long total = payload.totalBytes();
        long[] sent = {0};
        if (payload.runtimeBundle() != null) {
            upload(session, payload.runtimeBundle(), STAGE + "/" + Payload.RUNTIME_ARCHIVE, step, total, sent, deadline);
        }
        for (Payload.GuestDownload d : payload.guestDownloads()) {
            guestDownload(session, d, step, deadline);
        }
        for (Payload.ModelFile f : payload.modelFiles()) {
            String remote = STAGE + "/model/" + f.guestPath();
            int slash = remote.lastIndexOf('/');
            session.execChecked("mkdir -p " + SshSession.shellQuote(remote.substring(0, slash)),
                    deadline.remaining("step 'install'", Duration.ofSeconds(30)));
            upload(session, f.local(), remote, step, total, sent, deadline);
        }
        step.detail("installing " + req.runtime().cliName());
        String script = resource("/dev/vmbox/install/install-runtime.sh");
        String modelStore = modelStore(req);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        String dir = req.runtime().installDirectory();
        String binary = req.runtime().binaryInInstallDirectory();
        int rc = session.exec("sudo -n sh -s -- " + STAGE + " " + SshSession.shellQuote(payload.runtimeArchive()) + " "
                        + SshSession.shellQuote(dir) + " " + SshSession.shellQuote(binary) + " " + SshSession.shellQuote(modelStore),
                new java.io.ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)), out, err,
                deadline.remaining("step 'install'"));
        if (rc != 0) {
            throw new VmboxException(ExitCode.FAILED, "installing " + req.runtime().cliName() + " in the guest failed (exit "
                    + rc + "): " + dev.vmbox.exec.CommandResult.tail(err.toString(StandardCharsets.UTF_8), 6),
                    "see the runtime's journal: vmbox logs " + req.name());
        }
    }

    /**
     * Fetch window: the guest downloads one file itself (https only, redirects https only) and vmbox checks
     * its sha256 in the guest before the file is given its name; a mismatch is a SECURITY error.
     */
    private static void guestDownload(SshSession session, Payload.GuestDownload d, Progress.Step step, Deadline deadline) {
        String target = STAGE + "/" + d.stagePath();
        String part = target + ".part";
        String name = d.stagePath().substring(d.stagePath().lastIndexOf('/') + 1);
        step.detail("the guest downloads " + name + (d.sizeBytes() > 0 ? " (" + d.sizeBytes() / (1024 * 1024) + " MiB)" : ""));
        Duration limit = deadline.remaining("step 'install'");
        session.execChecked(guestDownloadCommand(d, limit), limit.plusSeconds(30));
        String sum = session.execChecked("sha256sum " + SshSession.shellQuote(part),
                deadline.remaining("step 'install'", Duration.ofMinutes(10))).stdout();
        String got = sum.isBlank() ? "" : sum.strip().split("\\s+")[0];
        if (!got.equals(d.sha256())) {
            session.exec("rm -f " + SshSession.shellQuote(part), Duration.ofSeconds(30));
            throw new VmboxException(ExitCode.SECURITY, "the guest downloaded " + d.url() + " with sha256 " + got + ", not the "
                    + "expected " + d.sha256(), "the download was altered or the source changed; nothing was installed");
        }
        session.execChecked("mv " + SshSession.shellQuote(part) + " " + SshSession.shellQuote(target),
                deadline.remaining("step 'install'", Duration.ofSeconds(30)));
    }

    /** The guest's curl for one download: https only, bounded in time, into a .part file. */
    static String guestDownloadCommand(Payload.GuestDownload d, Duration limit) {
        String target = STAGE + "/" + d.stagePath();
        String dir = target.substring(0, target.lastIndexOf('/'));
        return "mkdir -p " + SshSession.shellQuote(dir) + " && curl -fsSL --proto =https --proto-redir =https --retry 3"
                + " --connect-timeout 30 --max-time " + Math.max(60, limit.toSeconds()) + " -o "
                + SshSession.shellQuote(target + ".part") + " " + SshSession.shellQuote(d.url().toString());
    }

    static String modelStore(CreateRequest req) {
        return switch (req.runtime()) {
            case OLLAMA -> GuestLayout.OLLAMA_MODELS;
            case LLAMA_CPP, VLLM -> GuestLayout.MODEL_STORE;
        };
    }

    private static void upload(SshSession session, Path local, String remote, Progress.Step step, long total, long[] sent,
                               Deadline deadline) {
        long base = sent[0];
        long t0 = System.nanoTime();
        String what = local.getFileName().toString();
        session.upload(local, remote, 0600, (done, size) -> {
            double secs = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
            step.transfer("upload " + what, base + done, total, done / secs);
        }, deadline.remaining("step 'install'"));
        try {
            sent[0] = base + Files.size(local);
        } catch (IOException e) {
            sent[0] = base;
        }
    }

    /**
     * Sealed: egress was closed from the first boot (hypervisor + nftables); this confirms the guest's
     * ruleset is the sealed one. Fetch-window: closes it now. Open: says so.
     */
    private String seal(SshSession session, CreateRequest req, Deadline deadline) {
        switch (req.spec().egress()) {
            case SEALED -> {
                session.execChecked(SEALED_PROOF, Duration.ofSeconds(30));
                return "sealed since first boot" + (req.provider().capabilities().hypervisorEgressSeal()
                        ? " (hypervisor and guest nftables)" : " (guest nftables)");
            }
            case FETCH_WINDOW -> {
                session.execChecked("sudo -n " + GuestLayout.SEAL_COMMAND, deadline.remaining("step 'seal'", Duration.ofSeconds(60)));
                return "egress closed by " + GuestLayout.SEAL_COMMAND;
            }
            default -> {
                return "egress left OPEN (--egress open)";
            }
        }
    }

    private TunnelSettings tunnelSettings(CreateRequest req, SshTarget target) {
        return ApiTunnel.settings(req.name(), target, req.apiBind(), req.apiPort(),
                req.runtimePort(), req.runtime());
    }

    private InstanceRecord record(CreateRequest req, String hostKey, InstanceRecord.Phase phase) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put(InstanceSettings.ADMIN_USER, req.adminUser());
        if (hostKey != null) {
            s.put(InstanceSettings.HOST_KEY, hostKey);
        }
        s.put(InstanceSettings.RUNTIME, req.runtime().cliName());
        s.put(InstanceSettings.RUNTIME_PORT, Integer.toString(req.runtimePort()));
        s.put(InstanceSettings.API_BIND, req.apiBind());
        s.put(InstanceSettings.API_PORT, Integer.toString(req.apiPort()));
        s.put(InstanceSettings.MODEL, req.modelRef());
        s.put(InstanceSettings.EGRESS, req.spec().egress().cliName());
        s.put(InstanceSettings.CPUS, Integer.toString(req.spec().cpus()));
        s.put(InstanceSettings.MEMORY, req.spec().memory().toString());
        s.put(InstanceSettings.DISK, req.spec().disk().toString());
        s.put(InstanceSettings.IMAGE, req.spec().image());
        s.put(InstanceSettings.GPU, req.spec().gpu().toString());
        return new InstanceRecord(InstanceRecord.SCHEMA, req.name(), req.provider().id(), req.providerRef(), phase, null,
                clock.instant(), vmboxVersion, s);
    }

    /** The tunnel's host address: an IP literal, loopback unless the user confirmed --expose. */
    static java.net.InetAddress bindAddress(CreateRequest req) {
        java.net.InetAddress a;
        try {
            if (!req.apiBind().matches("[0-9.]+|[0-9a-fA-F:]+")) {
                throw new java.net.UnknownHostException(req.apiBind());
            }
            a = java.net.InetAddress.getByName(req.apiBind());
        } catch (java.net.UnknownHostException e) {
            throw VmboxException.badInput("the API address must be an IP address, not " + dev.vmbox.spec.Names.forMessage(
                    req.apiBind()), "use 127.0.0.1 (the default), or an address of this host with --expose");
        }
        if (!a.isLoopbackAddress() && !req.exposed()) {
            throw VmboxException.badInput("refusing to publish the API on " + req.apiBind() + ", which is not loopback",
                    "anything beyond 127.0.0.1 needs --expose " + req.apiBind() + " (it opens the model server to the network)");
        }
        return a;
    }

    public static String hostForUrl(String bind) {
        return bind.contains(":") ? "[" + bind + "]" : bind;
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

    static String resource(String path) {
        try (InputStream in = CreateFlow.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new VmboxException(ExitCode.INTERNAL, "resource " + path + " is missing from the jar", null);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot read resource " + path, null, e);
        }
    }

    /** One thing create made, and how to remove it. */
    private record Undo(String what, UndoAction action) {
    }

    @FunctionalInterface
    private interface UndoAction {
        void run() throws IOException;
    }
}
