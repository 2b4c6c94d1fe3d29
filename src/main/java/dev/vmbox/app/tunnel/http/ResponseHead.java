package dev.vmbox.app.tunnel.http;

import java.util.List;
import java.util.Locale;

/**
 * A response head from the runtime, kept byte for byte ({@link #raw}) so the client gets it unchanged; the
 * parsed fields only tell the relay where the body ends.
 *
 * @param status  the status code
 * @param version {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param headers the fields
 * @param raw     the head exactly as received, line ends and blank line included
 */
public record ResponseHead(int status, String version, List<Header> headers, byte[] raw) {
    public ResponseHead {
        headers = List.copyOf(headers);
    }

    /** An interim response (100 Continue, 103 Early Hints): the final one for the same request follows. */
    public boolean interim() {
        return status >= 100 && status < 200;
    }

    /** Where the body ends (RFC 9112 section 6.3), given the request's method. */
    public Framing framing(String requestMethod) throws HttpRefusal {
        if (interim() || status == 204 || status == 304 || "HEAD".equals(requestMethod)) {
            return Framing.NONE;
        }
        String te = null;
        String cl = null;
        for (Header h : headers) {
            if (h.is("Transfer-Encoding")) {
                te = te == null ? h.value() : te + "," + h.value();
            } else if (h.is("Content-Length")) {
                if (cl != null && !cl.equals(h.value().trim())) {
                    throw new HttpRefusal(502, "the runtime sent conflicting Content-Length headers");
                }
                cl = h.value().trim();
            }
        }
        if (te != null) {
            String[] codings = te.split(",");
            return codings[codings.length - 1].trim().equalsIgnoreCase("chunked") ? Framing.CHUNKED : Framing.UNTIL_CLOSE;
        }
        if (cl != null) {
            if (!cl.matches("[0-9]{1,18}")) {
                throw new HttpRefusal(502, "the runtime sent an invalid Content-Length");
            }
            return Framing.length(Long.parseLong(cl));
        }
        return Framing.UNTIL_CLOSE;
    }

    /** The server will close the connection after this response. */
    public boolean closeAfter() {
        boolean close = false;
        boolean keepAlive = false;
        for (Header h : headers) {
            if (h.is("Connection")) {
                for (String token : h.value().split(",")) {
                    String t = token.trim().toLowerCase(Locale.ROOT);
                    close |= t.equals("close");
                    keepAlive |= t.equals("keep-alive");
                }
            }
        }
        return close || "HTTP/1.0".equals(version) && !keepAlive;
    }
}
