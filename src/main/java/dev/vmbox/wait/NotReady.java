package dev.vmbox.wait;

/**
 * Thrown by one attempt of a {@link Poll} when its target is not ready yet: the wait goes on, and the
 * message is what was seen (shown while waiting and in the timeout's error).
 */
public final class NotReady extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NotReady(String seen) {
        super(seen, null, false, false);
    }

    public NotReady(String seen, Throwable cause) {
        super(seen, cause, false, false);
    }
}
