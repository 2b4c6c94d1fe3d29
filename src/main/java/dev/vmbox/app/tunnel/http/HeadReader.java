package dev.vmbox.app.tunnel.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads HTTP/1.x heads and chunk lines from a buffered stream, strictly and within a size limit
 * (RFC 9112). A request that could be read two ways is refused rather than guessed at: folded header lines,
 * whitespace before a colon, a bare CR, control characters, a Transfer-Encoding other than chunked, a
 * Transfer-Encoding together with a Content-Length, more than one Content-Length, a length that is not
 * plain digits (400, 501); a head larger than the limit is a 431. Lines may end in CRLF or LF: what goes on is
 * re-written by {@link RequestHead#forUpstream()}, so the runtime never sees a different line end.
 */
public final class HeadReader {
    /** Largest request or response head, and largest chunk line or trailer section. */
    public static final int MAX_HEAD = 64 * 1024;
    static final int MAX_HEADERS = 128;
    private static final int MAX_LEADING_EMPTY_LINES = 4;

    private final InputStream in;
    private final int maxHead;

    /** @param in a buffered stream (bytes are read one at a time) */
    public HeadReader(InputStream in, int maxHead) {
        this.in = in;
        this.maxHead = maxHead;
    }

    public HeadReader(InputStream in) {
        this(in, MAX_HEAD);
    }

    /** The next request's head; null when the client closed the connection cleanly before a new request. */
    public RequestHead readRequest() throws IOException, HttpRefusal {
        int[] budget = {maxHead};
        String line;
        int empty = 0;
        do {
            line = line(budget, true, null, 431);
            if (line == null) {
                return null;
            }
        } while (line.isEmpty() && ++empty <= MAX_LEADING_EMPTY_LINES);
        String[] parts = line.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new HttpRefusal(400, "malformed request line");
        }
        String method = parts[0];
        String target = parts[1];
        String version = parts[2];
        if (!isToken(method)) {
            throw new HttpRefusal(400, "malformed request line (method)");
        }
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            throw version.matches("HTTP/[0-9](\\.[0-9])?")
                    ? new HttpRefusal(505, "only HTTP/1.1 and HTTP/1.0 are served here")
                    : new HttpRefusal(400, "malformed request line (version)");
        }
        if (!target.startsWith("/") || !visibleAscii(target)) {
            throw new HttpRefusal(400, "the request target must be a path (/...)");
        }
        List<Header> headers = fields(budget, 431, 400);
        return new RequestHead(method, target, version, headers, requestFraming(version, headers));
    }

    /** The next response head from the runtime; null when it closed the connection before one began. */
    public ResponseHead readResponse() throws IOException, HttpRefusal {
        int[] budget = {maxHead};
        ByteArrayOutputStream raw = new ByteArrayOutputStream(512);
        String line = line(budget, true, raw, 502);
        if (line == null) {
            return null;
        }
        if (!line.matches("HTTP/1\\.[01] [0-9]{3}( .*)?")) {
            throw new HttpRefusal(502, "the runtime sent something other than an HTTP/1.x response");
        }
        List<Header> headers = new ArrayList<>();
        while (true) {
            String f = line(budget, false, raw, 502);
            if (f.isEmpty()) {
                break;
            }
            headers.add(field(f, 502));
            if (headers.size() > MAX_HEADERS) {
                throw new HttpRefusal(502, "the runtime sent too many header fields");
            }
        }
        return new ResponseHead(Integer.parseInt(line.substring(9, 12)), line.substring(0, 8), headers, raw.toByteArray());
    }

    /**
     * A chunk-size line ({@code HEX [;ext]}): the size. {@code raw}, when not null, gets the line's bytes as
     * received. A malformed line is a 400 ({@code status} for a response: 502).
     */
    public long chunkSize(ByteArrayOutputStream raw, int status) throws IOException, HttpRefusal {
        int[] budget = {4096};
        String line = line(budget, false, raw, status);
        int semi = line.indexOf(';');
        String size = semi < 0 ? line : line.substring(0, semi);
        if (status == 502) {
            size = size.strip(); // the runtime's own framing: tolerate whitespace before an extension
        }
        if (!size.matches("[0-9A-Fa-f]{1,15}")) {
            throw new HttpRefusal(status, status == 502 ? "the runtime sent a malformed chunk" : "malformed chunk size");
        }
        return Long.parseLong(size, 16);
    }

    /** The line end after a chunk's data. */
    public void chunkEnd(ByteArrayOutputStream raw, int status) throws IOException, HttpRefusal {
        int[] budget = {2};
        String line = line(budget, false, raw, status);
        if (!line.isEmpty()) {
            throw new HttpRefusal(status, status == 502 ? "the runtime sent a malformed chunk" : "malformed chunk (no line end after its data)");
        }
    }

    /** The trailer section after the last chunk, up to and including its blank line; raw bytes to {@code raw}. */
    public void trailers(ByteArrayOutputStream raw, int status) throws IOException, HttpRefusal {
        int[] budget = {maxHead};
        int n = 0;
        while (!line(budget, false, raw, status).isEmpty()) {
            if (++n > MAX_HEADERS) {
                throw new HttpRefusal(status, "too many trailer fields");
            }
        }
    }

    private List<Header> fields(int[] budget, int tooLarge, int malformed) throws IOException, HttpRefusal {
        List<Header> headers = new ArrayList<>();
        while (true) {
            String f = line(budget, false, null, tooLarge);
            if (f.isEmpty()) {
                return headers;
            }
            headers.add(field(f, malformed));
            if (headers.size() > MAX_HEADERS) {
                throw new HttpRefusal(tooLarge, "too many header fields");
            }
        }
    }

    private static Header field(String line, int malformed) throws HttpRefusal {
        if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
            throw new HttpRefusal(malformed, "malformed request: folded header line");
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw new HttpRefusal(malformed, "malformed request: header line without a name");
        }
        String name = line.substring(0, colon);
        if (!isToken(name)) {
            throw new HttpRefusal(malformed, "malformed request: invalid header name");
        }
        String value = stripOws(line.substring(colon + 1));
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new HttpRefusal(malformed, "malformed request: control character in " + name);
            }
        }
        return new Header(name, value);
    }

    private static Framing requestFraming(String version, List<Header> headers) throws HttpRefusal {
        List<String> te = new ArrayList<>();
        List<String> cl = new ArrayList<>();
        for (Header h : headers) {
            if (h.is("Transfer-Encoding")) {
                te.add(h.value());
            } else if (h.is("Content-Length")) {
                cl.add(h.value());
            }
        }
        if (!te.isEmpty()) {
            if (!cl.isEmpty()) {
                throw new HttpRefusal(400, "malformed request: both Transfer-Encoding and Content-Length");
            }
            if (version.equals("HTTP/1.0")) {
                throw new HttpRefusal(400, "malformed request: Transfer-Encoding in HTTP/1.0");
            }
            List<String> codings = new ArrayList<>();
            for (String v : te) {
                for (String c : v.split(",", -1)) {
                    codings.add(c.trim().toLowerCase(Locale.ROOT));
                }
            }
            if (codings.size() != 1 || !codings.get(0).equals("chunked")) {
                throw new HttpRefusal(501, "only Transfer-Encoding: chunked is accepted");
            }
            return Framing.CHUNKED;
        }
        if (cl.size() > 1) {
            throw new HttpRefusal(400, "malformed request: more than one Content-Length");
        }
        if (cl.size() == 1) {
            if (!cl.get(0).matches("[0-9]{1,18}")) {
                throw new HttpRefusal(400, "malformed request: invalid Content-Length");
            }
            return Framing.length(Long.parseLong(cl.get(0)));
        }
        return Framing.NONE;
    }

    /**
     * One line without its end (CRLF or LF). Null at end of stream before the first byte when
     * {@code eofAllowed}; an EOFException in the middle of a line. Bytes are ISO-8859-1 (kept 1:1).
     */
    private String line(int[] budget, boolean eofAllowed, ByteArrayOutputStream raw, int tooLarge)
            throws IOException, HttpRefusal {
        StringBuilder sb = new StringBuilder(64);
        boolean cr = false;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (eofAllowed && sb.length() == 0 && !cr) {
                    return null;
                }
                throw new EOFException("connection closed in the middle of a head");
            }
            if (raw != null) {
                raw.write(b);
            }
            if (--budget[0] < 0) {
                throw new HttpRefusal(tooLarge, tooLarge == 431 ? "request head too large" : "head too large");
            }
            if (b == '\n') {
                return sb.toString();
            }
            if (cr) {
                throw new HttpRefusal(tooLarge == 431 ? 400 : tooLarge, "malformed request: bare CR");
            }
            if (b == '\r') {
                cr = true;
                continue;
            }
            if (b == 0) {
                throw new HttpRefusal(tooLarge == 431 ? 400 : tooLarge, "malformed request: NUL byte");
            }
            sb.append((char) b);
        }
    }

    private static String stripOws(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
            a++;
        }
        while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\t')) {
            b--;
        }
        return s.substring(a, b);
    }

    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean visibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
