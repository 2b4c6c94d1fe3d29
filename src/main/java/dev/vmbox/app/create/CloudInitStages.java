package dev.vmbox.app.create;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.ssh.ExecResult;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * cloud-init on a runtime image: everything per instance happens in its first two stages (init-local and init: the
 * host key, the admin, the drop-ins, a non-default egress choice), which the image's units order before sshd; its
 * config and final stages have nothing to do there (no runcmd). So the create reads those two stages' result from
 * cloud-init's own status file ({@value #STATUS}) instead of waiting for the whole boot to finish, and fails on any
 * error they recorded.
 */
final class CloudInitStages {
    static final String STATUS = "/run/cloud-init/status.json";
    static final List<String> PER_INSTANCE = List.of("init-local", "init");
    private static final ObjectMapper JSON = new ObjectMapper();

    private CloudInitStages() {
    }

    /** Waits until the per-instance stages finished; returns a line saying so. */
    static String await(SshSession session, Duration timeout, Progress.Step step) {
        step.detail("reading cloud-init's " + STATUS);
        return Poll.until("cloud-init's first stages", () -> {
            ExecResult r = session.exec("sudo -n cat " + STATUS, Duration.ofSeconds(30));
            if (!r.ok()) {
                throw new NotReady(STATUS + " is not there yet");
            }
            return finished(r.stdout());
        }).every(Duration.ofSeconds(1))
                .timeoutHint("see /var/log/cloud-init.log in the guest (vmbox ssh NAME -- sudo tail -50 /var/log/cloud-init.log)")
                .await(timeout);
    }

    /** The stages' result from the status file's text: done, not yet ({@link NotReady}), or failed. */
    static String finished(String statusJson) {
        JsonNode v1;
        try {
            v1 = JSON.readTree(statusJson).path("v1");
        } catch (IOException e) {
            throw new NotReady(STATUS + " is not JSON yet: " + e.getMessage());
        }
        List<String> errors = new ArrayList<>();
        for (String stage : PER_INSTANCE) {
            JsonNode s = v1.path(stage);
            s.path("errors").forEach(e -> errors.add(stage + ": " + e.asText()));
            if (errors.isEmpty() && (s.path("finished").isMissingNode() || s.path("finished").isNull())) {
                throw new NotReady("cloud-init's " + stage + " stage has not finished");
            }
        }
        if (!errors.isEmpty()) {
            throw new VmboxException(ExitCode.FAILED, "cloud-init failed in the guest: " + String.join("; ", errors),
                    "see /var/log/cloud-init.log in the guest");
        }
        return "cloud-init placed the per-instance parts (" + String.join(", ", PER_INSTANCE) + ")";
    }
}
