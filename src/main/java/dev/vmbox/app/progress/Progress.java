package dev.vmbox.app.progress;

import java.time.Duration;
import java.util.List;

/**
 * Where long work reports its steps: the CLI renders them on stderr (step names, elapsed time,
 * transfer progress); tests record them. Results never go through here, only progress.
 */
public interface Progress {
    /** Announces the steps to come, so a renderer can number them ("[3/9]"). */
    void plan(List<String> steps);

    /** Starts a step; close it with {@link Step#done} or {@link Step#fail}. */
    Step begin(String name);

    /** A line of information outside any step (a warning-level note the user must see). */
    void note(String text);

    interface Step {
        String name();

        /** A transient detail while the step runs ("waiting for SSH, 23 s"). */
        void detail(String text);

        /** Bytes moved so far of a transfer (download or upload); total -1 when unknown. */
        void transfer(String what, long bytes, long total, double bytesPerSecond);

        /** The step finished; {@code summary} is one short line or null. */
        Duration done(String summary);

        /** The step failed; the error itself is reported by the caller. */
        Duration fail(String reason);
    }

    /** Drops everything (library use, --json runs). */
    Progress NONE = new Progress() {
        @Override
        public void plan(List<String> steps) {
        }

        @Override
        public Step begin(String name) {
            return new Step() {
                private final long start = System.nanoTime();

                @Override
                public String name() {
                    return name;
                }

                @Override
                public void detail(String text) {
                }

                @Override
                public void transfer(String what, long bytes, long total, double rate) {
                }

                @Override
                public Duration done(String summary) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }

                @Override
                public Duration fail(String reason) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }
            };
        }

        @Override
        public void note(String text) {
        }
    };
}
