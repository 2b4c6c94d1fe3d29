package dev.vmbox.app.instance;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.ssh.ExecResult;
import dev.vmbox.ssh.HopFailedException;
import dev.vmbox.ssh.SshClient;
import dev.vmbox.ssh.SshOptions;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reaching a guest: the SSH target of an instance (its own key, its pinned host key), waiting for
 * SSH to answer while the VM boots, and waiting for cloud-init to finish.
 */
public final class GuestAccess {
    private static final Duration POLL = Duration.ofSeconds(1);
    /** One connection attempt: TCP, key exchange and authentication, under software emulation too. */
    static final Duration ATTEMPT = Duration.ofSeconds(45);
    /** How long in a row the SSH wait bears a provider it cannot reach (a libvirtd restart takes a few seconds). */
    static final Duration PROVIDER_GRACE = Duration.ofSeconds(60);

    private final SshClient ssh;

    public GuestAccess(SshClient ssh) {
        this.ssh = ssh;
    }

    public static SshTarget target(InstanceRecord record, InstanceFiles files, SshEndpoint endpoint) {
        InstanceSettings s = new InstanceSettings(record);
        return new SshTarget(endpoint.host(), endpoint.port(), s.string(InstanceSettings.ADMIN_USER), files.clientKey(),
                s.string(InstanceSettings.HOST_KEY), endpoint.via());
    }

    public SshSession connect(SshTarget target) {
        return ssh.connect(target, SshOptions.defaults());
    }

    /** One attempt to connect, within {@code timeout}: for a guest that is up, or known not to be vmbox's. */
    public SshSession connectOnce(SshTarget target, Duration timeout) {
        return ssh.connect(target, SshOptions.defaults().withConnectAttempts(1).withConnectTimeout(timeout));
    }

    /** {@link #waitForSsh(Supplier, Supplier, Duration, Supplier, Progress.Step)} where no console tells of sshd. */
    public SshSession waitForSsh(Supplier<SshTarget> target, Duration timeout, Supplier<VmStatus> liveness,
                                 Progress.Step step) {
        return waitForSsh(target, Optional::empty, timeout, liveness, step);
    }

    /**
     * Connects as soon as the guest's sshd answers with the pinned key, within {@code timeout}. A host key
     * mismatch or a refused login ends the wait at once (SECURITY); so does the VM no longer running or starting
     * ({@code liveness} asks its provider, only while there is no connection to try: a provider gives an endpoint only
     * for a running VM, so each try asks the provider at most once). No connection is opened while {@code sshdStarted}
     * says the guest's sshd has not started ({@link dev.vmbox.provider.BootConsole}), and each attempt may take {@link
     * #ATTEMPT} (a key exchange under software emulation is slow): a connection that closes before authenticating is
     * what OpenSSH 9.8+ penalises, and every connection vmbox makes comes from the one gateway address.
     */
    public SshSession waitForSsh(Supplier<SshTarget> target, Supplier<Optional<Boolean>> sshdStarted, Duration timeout,
                                 Supplier<VmStatus> liveness, Progress.Step step) {
        SshOptions once = SshOptions.defaults().withConnectAttempts(1).withConnectTimeout(ATTEMPT);
        long[] reported = {-1};
        long[] unreachableSince = {0};
        return Poll.until("SSH", () -> {
            if (!askProvider(sshdStarted, unreachableSince).orElse(true)) {
                requireRunning(askProvider(liveness, unreachableSince));
                throw new NotReady("the console does not show sshd started yet");
            }
            SshTarget t = askProvider(target, unreachableSince);
            if (t == null) {
                // only without an endpoint can the VM have died since: one provider query per try while it boots
                requireRunning(askProvider(liveness, unreachableSince));
                throw new NotReady("no SSH endpoint yet");
            }
            try {
                return ssh.connect(t, once);
            } catch (HopFailedException e) {
                throw e;
            } catch (VmboxException e) {
                if (e.exitCode() == ExitCode.SECURITY || e.exitCode() == ExitCode.INTERRUPTED) {
                    throw e;
                }
                throw new NotReady(e.getMessage(), e);
            }
        }).every(POLL)
                .onWait((seen, waited) -> {
                    if (waited.toSeconds() / 5 != reported[0]) { // a line every 5 s, not at every 1 s attempt
                        reported[0] = waited.toSeconds() / 5;
                        step.detail("waiting for SSH (" + waited.toSeconds() + " s)");
                    }
                })
                .timeoutHint("the guest may still be booting (software emulation is slow): give it longer with "
                        + "--timeout, or look at its console log")
                .await(timeout);
    }

    /**
     * A question to the provider during the wait. A provider that cannot be reached (UNAVAILABLE: libvirtd restarting,
     * which leaves its VMs running) is waited for up to {@link #PROVIDER_GRACE} in a row, then its error ends the wait.
     */
    private static <T> T askProvider(Supplier<T> question, long[] unreachableSince) {
        try {
            T answer = question.get();
            unreachableSince[0] = 0;
            return answer;
        } catch (VmboxException e) {
            if (e.exitCode() != ExitCode.UNAVAILABLE) {
                throw e;
            }
            long now = System.nanoTime();
            if (unreachableSince[0] == 0) {
                unreachableSince[0] = now;
            }
            if (now - unreachableSince[0] > PROVIDER_GRACE.toNanos()) {
                throw e;
            }
            throw new NotReady(e.getMessage(), e);
        }
    }

    /** The wait for a booting guest ends when its VM is neither running nor starting. */
    private static void requireRunning(VmStatus status) {
        if (status.state() != VmState.RUNNING && status.state() != VmState.STARTING) {
            throw new VmboxException(ExitCode.FAILED, "the VM is " + status.state().name().toLowerCase()
                    + " while waiting for SSH" + (status.messages().isEmpty() ? "" : ": " + String.join("; ",
                    status.messages())), "the guest may have crashed at boot; look at its console log");
        }
    }

    /** Waits for cloud-init to finish in the guest; an error ends the wait with the guest's log location. */
    public void waitForCloudInit(SshSession session, Duration timeout, Progress.Step step) {
        step.detail("waiting for cloud-init");
        ExecResult r;
        try {
            r = session.exec("cloud-init status --wait >/dev/null 2>&1; rc=$?; cloud-init status --long 2>&1; exit $rc",
                    timeout);
        } catch (VmboxException e) {
            if (e.exitCode() == ExitCode.TIMEOUT) {
                throw new VmboxException(ExitCode.TIMEOUT, "cloud-init did not finish within " + timeout.toSeconds() + " s",
                        "see /var/log/cloud-init-output.log in the guest (vmbox ssh NAME -- sudo tail -50 "
                                + "/var/log/cloud-init-output.log)", e);
            }
            throw e;
        }
        if (r.exitStatus() == 0) {
            return;
        }
        String detail = r.stdout().strip().replace('\n', ' ');
        if (r.exitStatus() == 2) {
            step.detail("cloud-init finished with recoverable errors: " + detail);
            return;
        }
        throw new VmboxException(ExitCode.FAILED, "cloud-init failed in the guest (exit " + r.exitStatus() + "): "
                + truncate(detail, 300), "see /var/log/cloud-init.log and /var/log/cloud-init-output.log in the guest");
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
