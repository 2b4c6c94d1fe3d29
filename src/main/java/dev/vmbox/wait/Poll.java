package dev.vmbox.wait;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.time.Duration;
import java.util.Objects;

/**
 * The one wait loop of vmbox: try, and until the target is ready, check it is still alive, report, sleep,
 * and try again, within a {@link Deadline}.
 *
 * <pre>{@code
 * SshSession s = Poll.until("SSH", () -> connectOnce())
 *         .every(Duration.ofSeconds(2))
 *         .aliveWhile(() -> requireRunning(vm))        // throws when the VM died: the wait ends at once
 *         .onWait((seen, waited) -> step.detail("waiting for SSH (" + waited.toSeconds() + " s)"))
 *         .timeoutHint("the guest may still be booting: give it longer with --timeout")
 *         .await(deadline);
 * }</pre>
 *
 * An attempt says "not yet" by throwing {@link NotReady}; any other exception ends the wait at once (a host
 * key mismatch, a refused login, an interrupt). When the deadline passes, the wait ends with TIMEOUT: "WHAT
 * did not answer within N s (last: what was seen)".
 *
 * @param <T> what the wait yields
 */
public final class Poll<T> {
    /** One try. Returns the value when ready; throws {@link NotReady} when not yet. */
    @FunctionalInterface
    public interface Attempt<T> {
        T attempt() throws NotReady;
    }

    /** Throws (a {@link VmboxException} saying what happened) when the target of the wait has died. */
    @FunctionalInterface
    public interface Liveness {
        void check();
    }

    /** Told after each attempt that was not ready, before the pause. */
    @FunctionalInterface
    public interface Listener {
        void waiting(String seen, Duration waited);
    }

    private final String what;
    private final Attempt<T> attempt;
    private Duration every = Duration.ofSeconds(1);
    private Liveness liveness = () -> { };
    private Listener listener = (seen, waited) -> { };
    private String timeoutMessage;
    private String timeoutHint;
    private ExitCode timeoutCode = ExitCode.TIMEOUT;

    private Poll(String what, Attempt<T> attempt) {
        this.what = Objects.requireNonNull(what, "what");
        this.attempt = Objects.requireNonNull(attempt, "attempt");
    }

    /** A wait for {@code what} (a noun for messages: "SSH", "the tunnel", "llama.cpp at http://…"). */
    public static <T> Poll<T> until(String what, Attempt<T> attempt) {
        return new Poll<>(what, attempt);
    }

    /** The pause between attempts (default 1 s). */
    public Poll<T> every(Duration pause) {
        if (pause.isNegative()) {
            throw new IllegalArgumentException("negative pause " + pause);
        }
        this.every = pause;
        return this;
    }

    /** Checked after each attempt that was not ready; it throws to end the wait when the target died. */
    public Poll<T> aliveWhile(Liveness check) {
        this.liveness = Objects.requireNonNull(check, "check");
        return this;
    }

    public Poll<T> onWait(Listener l) {
        this.listener = Objects.requireNonNull(l, "listener");
        return this;
    }

    /** The hint of the TIMEOUT error (what the user can do). */
    public Poll<T> timeoutHint(String hint) {
        this.timeoutHint = hint;
        return this;
    }

    /**
     * Replaces the TIMEOUT error's message ("WHAT did not answer within N s") by {@code message} (the last
     * thing seen is still appended), and its exit code by {@code code} (e.g. NOT_FOUND for a busy lock).
     */
    public Poll<T> onTimeout(ExitCode code, String message) {
        this.timeoutCode = Objects.requireNonNull(code, "code");
        this.timeoutMessage = message;
        return this;
    }

    /** Waits until an attempt succeeds, the target dies, or {@code deadline} passes. */
    public T await(Deadline deadline) {
        long start = System.nanoTime();
        String seen = "no answer yet";
        while (true) {
            try {
                return attempt.attempt();
            } catch (NotReady e) {
                seen = e.getMessage() == null ? "not ready" : e.getMessage();
            }
            liveness.check();
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            if (deadline.expired()) {
                String message = (timeoutMessage != null ? timeoutMessage
                        : what + " did not answer within " + deadline.total().toSeconds() + " s") + " (last: " + seen + ")";
                throw new VmboxException(timeoutCode, message, timeoutHint);
            }
            listener.waiting(seen, waited);
            deadline.sleep(every);
        }
    }

    /** {@link #await(Deadline)} with a deadline {@code timeout} from now. */
    public T await(Duration timeout) {
        return await(Deadline.in(timeout));
    }
}
