package dev.vmbox.log;

/**
 * Where vmbox writes what it is doing. Debug lines appear only with {@code --debug} (or in an
 * instance's log file); warnings always reach the user on stderr. Implementations must never be
 * handed secrets: callers redact before logging (see {@link Redactor}).
 */
public interface EventLog {
    void debug(String message);

    void warn(String message);

    boolean debugEnabled();

    /** A log that drops everything; for tests and for library use. */
    EventLog NONE = new EventLog() {
        @Override
        public void debug(String message) {
        }

        @Override
        public void warn(String message) {
        }

        @Override
        public boolean debugEnabled() {
            return false;
        }
    };
}
