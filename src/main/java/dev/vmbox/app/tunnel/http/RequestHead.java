package dev.vmbox.app.tunnel.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One HTTP/1.x request head as the endpoint read and checked it ({@link HeadReader#readRequest}). What goes
 * to the runtime is {@link #forUpstream()}: this head written out again in canonical form, so the runtime
 * reads exactly what vmbox checked (no second interpretation of line ends, folding or duplicate framing).
 *
 * @param method  the method token
 * @param target  the origin-form request target ({@code /path?query})
 * @param version {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param headers the fields in the order received
 * @param framing how the body ends (never {@link Framing.Kind#UNTIL_CLOSE} for a request)
 */
public record RequestHead(String method, String target, String version, List<Header> headers, Framing framing) {
    public RequestHead {
        headers = List.copyOf(headers);
    }

    /** Every value of the field {@code name} (case-insensitive), in order. */
    public List<String> values(String name) {
        List<String> out = new ArrayList<>();
        for (Header h : headers) {
            if (h.is(name)) {
                out.add(h.value());
            }
        }
        return out;
    }

    /** The single value of {@code name}, null when absent; a 400 when the field is repeated. */
    public String single(String name) throws HttpRefusal {
        List<String> v = values(name);
        if (v.size() > 1) {
            throw new HttpRefusal(400, "malformed request: more than one " + name + " header");
        }
        return v.isEmpty() ? null : v.get(0);
    }

    /** The path part of the target (before {@code ?}), exactly as sent. */
    public String path() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /** The client asked to close after this request (or speaks HTTP/1.0 without keep-alive). */
    public boolean closeAfter() {
        boolean close = false;
        boolean keepAlive = false;
        for (String v : values("Connection")) {
            for (String token : v.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                close |= t.equals("close");
                keepAlive |= t.equals("keep-alive");
            }
        }
        return close || "HTTP/1.0".equals(version) && !keepAlive;
    }

    /**
     * The head as the runtime gets it: CRLF line ends, the fields as received except that protocol upgrades
     * are dropped ({@code Upgrade}, {@code HTTP2-Settings} and their {@code Connection} tokens: the relay
     * speaks HTTP/1.1 only, and an h2c offer such as Java's HttpClient sends is then simply not taken) and a
     * chunked body is announced by exactly one {@code Transfer-Encoding: chunked}.
     */
    public byte[] forUpstream() {
        return forUpstream(null);
    }

    /**
     * {@link #forUpstream()}, with {@code authorization} (e.g. {@code Bearer KEY}) as the only credential when it is
     * not null: the client's {@code Authorization} and {@code X-Api-Key} fields are left out.
     */
    public byte[] forUpstream(String authorization) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(method).append(' ').append(target).append(' ').append(version).append("\r\n");
        boolean chunkedWritten = false;
        for (Header h : headers) {
            if (h.is("Upgrade") || h.is("HTTP2-Settings")
                    || authorization != null && (h.is("Authorization") || h.is("X-Api-Key"))) {
                continue;
            }
            if (h.is("Transfer-Encoding")) {
                if (!chunkedWritten) {
                    sb.append("Transfer-Encoding: chunked\r\n");
                    chunkedWritten = true;
                }
                continue;
            }
            String value = h.value();
            if (h.is("Connection")) {
                List<String> kept = new ArrayList<>();
                for (String token : value.split(",")) {
                    String t = token.trim();
                    if (!t.isEmpty() && !t.equalsIgnoreCase("upgrade") && !t.equalsIgnoreCase("http2-settings")) {
                        kept.add(t);
                    }
                }
                if (kept.isEmpty()) {
                    continue;
                }
                value = String.join(", ", kept);
            }
            sb.append(h.name()).append(": ").append(value).append("\r\n");
        }
        if (authorization != null) {
            sb.append("Authorization: ").append(authorization).append("\r\n");
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
