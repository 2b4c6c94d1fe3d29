package dev.vmbox.provider;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.time.Duration;

/** A point in time a multi-step provider operation must finish by; each step gets what is left. */
public final class Deadline {
    private final long endNanos;
    private final Duration total;

    private Deadline(Duration total) {
        this.total = total;
        this.endNanos = System.nanoTime() + total.toNanos();
    }

    public static Deadline in(Duration total) {
        if (total == null || total.isNegative() || total.isZero()) {
            throw new IllegalArgumentException("a deadline needs a positive duration: " + total);
        }
        return new Deadline(total);
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
}
