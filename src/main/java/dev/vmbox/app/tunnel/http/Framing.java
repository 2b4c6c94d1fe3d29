package dev.vmbox.app.tunnel.http;

/**
 * How a message body is delimited (RFC 9112 section 6): none, a Content-Length, chunked, or (responses
 * only) until the server closes the connection.
 *
 * @param kind   which of the four
 * @param length the Content-Length for {@link Kind#LENGTH}, else 0
 */
public record Framing(Kind kind, long length) {
    /** The four ways a body ends. */
    public enum Kind { NONE, LENGTH, CHUNKED, UNTIL_CLOSE }

    public static final Framing NONE = new Framing(Kind.NONE, 0);
    public static final Framing CHUNKED = new Framing(Kind.CHUNKED, 0);
    public static final Framing UNTIL_CLOSE = new Framing(Kind.UNTIL_CLOSE, 0);

    public static Framing length(long n) {
        return n == 0 ? NONE : new Framing(Kind.LENGTH, n);
    }
}
