package dev.vmbox.app.create;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.wait.Deadline;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Installs the runtime and the model in the guest over the pinned SSH session: the host's files are uploaded into a
 * private staging folder (sha256 checked by the install script), under the fetch window the guest downloads what the
 * host decided (https only, checked in the guest), then the install script places them read-only. It never starts
 * the runtime: {@link #start} does, which the install step runs at once when egress was sealed from the first boot (or
 * is open by choice), and the seal step only once the fetch window is closed. Every guest command is bounded by the
 * create's deadline.
 */
final class GuestInstaller {
    static final String STAGE = "/var/tmp/vmbox-install";
    private static final String SCRIPT = "/dev/vmbox/install/install-runtime.sh";
    private static final String START_SCRIPT = "/dev/vmbox/install/start-runtime.sh";
    /** The start waits up to 20 s for the unit to be active, plus the time systemd takes to say so. */
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration SHORT = Duration.ofSeconds(30);

    private final SshSession session;
    private final Progress.Step step;
    private final Deadline deadline;
    private long sent;

    GuestInstaller(SshSession session, Progress.Step step, Deadline deadline) {
        this.session = session;
        this.step = step;
        this.deadline = deadline;
    }

    private Duration left(Duration cap) {
        return deadline.remaining("step 'install'", cap);
    }

    void install(CreateRequest req, Payload payload) {
        session.execChecked("rm -rf " + STAGE + " && mkdir -m 0700 " + STAGE + " && mkdir " + STAGE + "/model", left(SHORT));
        long total = payload.totalBytes();
        if (payload.runtimeBundle() != null) {
            upload(payload.runtimeBundle(), STAGE + "/" + Payload.RUNTIME_ARCHIVE, total);
        }
        for (Payload.GuestDownload d : payload.guestDownloads()) {
            guestDownload(d);
        }
        for (Payload.ModelFile f : payload.modelFiles()) {
            String remote = STAGE + "/model/" + f.guestPath();
            session.execChecked("mkdir -p " + SshSession.shellQuote(remote.substring(0, remote.lastIndexOf('/'))), left(SHORT));
            upload(f.local(), remote, total);
        }
        RuntimeKind runtime = req.runtimeKind();
        step.detail("installing " + runtime.cliName());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = session.exec("sudo -n sh -s -- " + STAGE + " " + SshSession.shellQuote(payload.runtimeArchive()) + " "
                        + SshSession.shellQuote(runtime.installDirectory()) + " "
                        + SshSession.shellQuote(runtime.binaryInInstallDirectory()) + " "
                        + SshSession.shellQuote(runtime.modelStore()),
                new ByteArrayInputStream(resource(SCRIPT).getBytes(StandardCharsets.UTF_8)), out, err, left(null));
        if (rc != 0) {
            throw new VmboxException(ExitCode.FAILED, "installing " + runtime.cliName() + " in the guest failed (exit "
                    + rc + "): " + CommandResult.tail(err.toString(StandardCharsets.UTF_8), 6),
                    "see the runtime's journal: vmbox logs " + req.name());
        }
    }

    /**
     * Starts the installed runtime in the guest (enabled for later boots) and waits until its unit is active. Under the
     * fetch window only once egress is sealed.
     */
    static void start(SshSession session, RuntimeKind runtime, String instance, Deadline deadline, String step) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = session.exec("sudo -n sh -s", new ByteArrayInputStream(resource(START_SCRIPT).getBytes(StandardCharsets.UTF_8)),
                out, err, deadline.remaining("step '" + step + "'", START));
        if (rc != 0) {
            throw new VmboxException(ExitCode.FAILED, "starting " + runtime.cliName() + " in the guest failed (exit " + rc
                    + "): " + CommandResult.tail(err.toString(StandardCharsets.UTF_8), 6),
                    "see the runtime's journal: vmbox logs " + instance);
        }
    }

    /**
     * Fetch window: the guest downloads one file itself (https only, redirects https only) and vmbox checks
     * its sha256 in the guest before the file is given its name; a mismatch is a SECURITY error.
     */
    private void guestDownload(Payload.GuestDownload d) {
        String target = STAGE + "/" + d.stagePath();
        String part = target + ".part";
        String name = d.stagePath().substring(d.stagePath().lastIndexOf('/') + 1);
        step.detail("the guest downloads " + name + (d.sizeBytes() > 0 ? " (" + d.sizeBytes() / (1024 * 1024) + " MiB)" : ""));
        Duration limit = left(null);
        session.execChecked(guestDownloadCommand(d, limit), limit.plusSeconds(30));
        String sum = session.execChecked("sha256sum " + SshSession.shellQuote(part), left(Duration.ofMinutes(10))).stdout();
        String got = sum.isBlank() ? "" : sum.strip().split("\\s+")[0];
        if (!got.equals(d.sha256())) {
            session.exec("rm -f " + SshSession.shellQuote(part), SHORT);
            throw new VmboxException(ExitCode.SECURITY, "the guest downloaded " + d.url() + " with sha256 " + got + ", not the "
                    + "expected " + d.sha256(), "the download was altered or the source changed; nothing was installed");
        }
        session.execChecked("mv " + SshSession.shellQuote(part) + " " + SshSession.shellQuote(target), left(SHORT));
    }

    /** The guest's curl for one download: https only, bounded in time, into a .part file. */
    static String guestDownloadCommand(Payload.GuestDownload d, Duration limit) {
        String target = STAGE + "/" + d.stagePath();
        String dir = target.substring(0, target.lastIndexOf('/'));
        return "mkdir -p " + SshSession.shellQuote(dir) + " && curl -fsSL --proto =https --proto-redir =https --retry 3"
                + " --connect-timeout 30 --max-time " + Math.max(60, limit.toSeconds()) + " -o "
                + SshSession.shellQuote(target + ".part") + " " + SshSession.shellQuote(d.url().toString());
    }

    private void upload(Path local, String remote, long total) {
        long base = sent;
        long t0 = System.nanoTime();
        String what = local.getFileName().toString();
        session.upload(local, remote, 0600, (done, size) -> {
            double secs = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
            step.transfer("upload " + what, base + done, total, done / secs);
        }, left(null));
        try {
            sent = base + Files.size(local);
        } catch (IOException e) {
            sent = base;
        }
    }

    static String resource(String path) {
        try (InputStream in = GuestInstaller.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new VmboxException(ExitCode.INTERNAL, "resource " + path + " is missing from the jar", null);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot read resource " + path, null, e);
        }
    }
}
