package dev.vmbox.provider;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.util.Objects;
import java.util.Optional;

/**
 * A provider's failure that brings the provider's own log lines about it, e.g. the end of Lima's
 * {@code ha.stderr.log}, which a rollback then deletes with the instance. The message (one line) is what the user
 * sees; the excerpt goes into vmbox's log of the command (the create log), so the cause outlives the rollback.
 */
public final class ProviderLogException extends VmboxException {
    private static final long serialVersionUID = 1L;
    private final String source;
    private final String excerpt;

    /**
     * @param source  where the lines come from (a file the provider wrote), for the log
     * @param excerpt the lines, as the provider wrote them
     */
    public ProviderLogException(ExitCode exitCode, String message, String hint, Throwable cause, String source,
                                String excerpt) {
        super(exitCode, message, hint, cause);
        this.source = Objects.requireNonNull(source, "source");
        this.excerpt = Objects.requireNonNull(excerpt, "excerpt");
    }

    public String source() {
        return source;
    }

    public String excerpt() {
        return excerpt;
    }

    /** The first {@link ProviderLogException} in {@code t}'s cause chain (itself included). */
    public static Optional<ProviderLogException> in(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ProviderLogException p) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
