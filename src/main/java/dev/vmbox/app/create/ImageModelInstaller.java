package dev.vmbox.app.create;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.cloudinit.GuestLayout;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.wait.Deadline;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The install step of a VM that boots a runtime image: the runtime is in the image, so only the model travels. It is
 * uploaded over SFTP into the admin's home (the upload's own sha256 check in the guest, against the bytes sent), its
 * sha256 must equal the one the host verified, and the install script ({@value #SCRIPT}) makes it 0444 root:root in
 * the model store and sets the API key file and, under software emulation, one thread in the environment file the
 * unit reads at each start (no daemon-reload: the image's seed unit did one for the sizing drop-in at first boot);
 * the unit starts then, or under the fetch window only once egress is sealed (the seal step).
 * Whether llama-server serves the model is the health step's question. Few round trips: each costs a second under
 * software emulation.
 */
final class ImageModelInstaller {
    /** The upload's name in the admin's home (SFTP's and the shell's starting folder). */
    static final String MODEL = "vmbox-model.gguf";
    static final String KEY = "vmbox-api-key";
    static final String SCRIPT = "/dev/vmbox/install/install-model.sh";
    private static final Duration SHORT = Duration.ofSeconds(30);

    private final SshSession session;
    private final Progress.Step step;
    private final Deadline deadline;

    ImageModelInstaller(SshSession session, Progress.Step step, Deadline deadline) {
        this.session = session;
        this.step = step;
        this.deadline = deadline;
    }

    private static byte[] keyBytes(java.nio.file.Path file) {
        try {
            return java.nio.file.Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw VmboxException.failed("cannot read the API key " + file + ": " + e.getMessage(), "check its permissions", e);
        }
    }

    private Duration left(Duration cap) {
        return deadline.remaining("step 'install'", cap);
    }

    /**
     * Places the model and, when {@code apiKey} is given, the instance's API key (the file the host endpoint checks
     * clients against: llama-server checks the same key); returns one line: what was placed, and how it runs.
     */
    String install(CreateRequest req, Payload payload, java.nio.file.Path apiKey, boolean start) {
        if (payload.modelFiles().size() != 1 || payload.modelSha256() == null) {
            throw new VmboxException(ExitCode.INTERNAL, "a runtime image takes one model file with its verified sha256",
                    "this is a bug in vmbox; report it");
        }
        Payload.ModelFile model = payload.modelFiles().get(0);
        long size = model.local().toFile().length();
        long t0 = System.nanoTime();
        String sent = session.upload(model.local(), MODEL, 0600, (done, total) -> {
            double secs = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
            step.transfer("upload " + model.local().getFileName(), done, size, done / secs);
        }, left(null));
        if (!sent.equals(payload.modelSha256())) {
            session.exec("rm -f " + MODEL, SHORT);
            throw new VmboxException(ExitCode.SECURITY, "the model arrived in the guest with sha256 " + sent + ", not the "
                    + "verified " + payload.modelSha256() + " (the file changed on this host after it was checked?)",
                    "nothing was installed; run the create again");
        }
        if (apiKey != null) {
            // on stdin, never in argv
            ByteArrayOutputStream keyErr = new ByteArrayOutputStream();
            if (session.exec("umask 077 && cat > " + KEY, new ByteArrayInputStream(keyBytes(apiKey)),
                    new ByteArrayOutputStream(), keyErr, left(SHORT)) != 0) {
                throw new VmboxException(ExitCode.FAILED, "cannot place the API key in the guest: "
                        + CommandResult.tail(keyErr.toString(StandardCharsets.UTF_8), 2), "check the guest's free space");
            }
        }
        step.detail("starting " + req.runtimeKind().cliName() + " from the image");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = session.exec("sudo -n sh -s -- \"$HOME/" + MODEL + "\"" + (apiKey == null ? "" : " \"$HOME/" + KEY + "\""),
                new ByteArrayInputStream(GuestInstaller.resource(SCRIPT).getBytes(StandardCharsets.UTF_8)), out, err,
                left(Duration.ofMinutes(5)));
        if (rc != 0) {
            throw new VmboxException(ExitCode.FAILED, "placing the model in the guest failed (exit " + rc + "): "
                    + CommandResult.tail(err.toString(StandardCharsets.UTF_8), 6), "see the runtime's journal: vmbox logs "
                    + req.name());
        }
        String said = out.toString(StandardCharsets.UTF_8).strip();
        if (start) {
            start(session, deadline);
        }
        return "model.gguf (sha256 " + sent.substring(0, 12) + "…) read-only; " + req.runtimeKind().cliName()
                + " from " + req.runtimeImage().name() + (start ? " started" : " not started while the fetch window is open")
                + (apiKey == null ? "" : ", checking the instance's API key") + (said.isEmpty() ? "" : ", " + said);
    }

    /**
     * Starts the runtime's unit, without waiting for it: whether llama-server serves (or refuses the model) is the
     * health step's to find out, with llama-server's own words.
     */
    static void start(SshSession session, Deadline deadline) {
        session.execChecked("sudo -n systemctl restart " + GuestLayout.RUNTIME_UNIT, deadline.remaining("starting the "
                + "runtime", Duration.ofMinutes(2)));
    }
}
