package dev.vmbox.wait;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.time.Duration;

/**
 * The point in time an operation must finish by. Each step asks for what is left ({@link #remaining}),
 * optionally capped; when nothing is left the step fails with TIMEOUT naming itself. This is the one
 * deadline type of vmbox: provider commands, create steps, SSH waits and lock waits all take theirs from it.
 */
public final class Deadline {
    private final long endNanos;
    private final Duration total;

    private Deadline(Duration total) {
        this.total = total;
        this.endNanos = System.nanoTime() + total.toNanos();
    }

    /** A deadline {@code total} from now; {@code total} must be positive. */
    public static Deadline in(Duration total) {
        if (total == null || total.isNegative() || total.isZero()) {
            throw new IllegalArgumentException("a deadline needs a positive duration: " + total);
        }
        return new Deadline(total);
    }

    /** The whole time this deadline was made with. */
    public Duration total() {
        return total;
    }

    /** True once the deadline has passed. */
    public boolean expired() {
        return endNanos - System.nanoTime() <= 0;
    }

    /** What is left, zero once it has passed (never throws). */
    public Duration left() {
        return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
    }

    /** What is left, at most {@code cap}; throws TIMEOUT naming {@code step} when nothing is left. */
    public Duration remaining(String step, Duration cap) {
        long left = endNanos - System.nanoTime();
        if (left <= 0) {
            throw new VmboxException(ExitCode.TIMEOUT, "no time left for " + step + " (the whole operation may take "
                    + total.toSeconds() + " s)", "give it more time with --timeout");
        }
        Duration d = Duration.ofNanos(left);
        return cap != null && cap.compareTo(d) < 0 ? cap : d;
    }

    public Duration remaining(String step) {
        return remaining(step, null);
    }

    /** A deadline that ends at {@code cap} from now or at this one, whichever comes first. */
    public Deadline capped(Duration cap) {
        Duration left = left();
        return new Deadline(cap.compareTo(left) < 0 ? cap : (left.isZero() ? Duration.ofNanos(1) : left));
    }

    /**
     * Sleeps {@code d}, or less when the deadline comes first. An interrupt (Ctrl-C) ends the sleep with
     * INTERRUPTED and keeps the thread's interrupt flag clear, so the caller's cleanup can still wait.
     */
    public void sleep(Duration d) {
        Duration left = left();
        sleepInterruptibly(d.compareTo(left) < 0 ? d : left);
    }

    /** Sleeps {@code d}; an interrupt ends it with INTERRUPTED (the interrupt flag stays clear). */
    public static void sleepInterruptibly(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis(), (int) (d.toNanosPart() % 1_000_000));
        } catch (InterruptedException e) {
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted", null, e);
        }
    }
}
