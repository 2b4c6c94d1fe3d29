package dev.vmbox.log;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** An {@link EventLog} that writes to a writer (stderr for the CLI), debug lines only when enabled. */
public final class StreamLog implements EventLog {
    private final PrintWriter err;
    private final boolean debug;
    private final Clock clock;
    private final Instant start;

    public StreamLog(PrintWriter err, boolean debug, Clock clock) {
        this.err = err;
        this.debug = debug;
        this.clock = clock;
        this.start = clock.instant();
    }

    @Override
    public synchronized void debug(String message) {
        if (debug) {
            long ms = Duration.between(start, clock.instant()).toMillis();
            err.printf("debug [%6.2fs] %s%n", ms / 1000.0, message);
            err.flush();
        }
    }

    @Override
    public synchronized void warn(String message) {
        err.println("warning: " + message);
        err.flush();
    }

    @Override
    public boolean debugEnabled() {
        return debug;
    }
}
