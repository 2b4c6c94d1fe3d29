package dev.vmbox.app.tunnel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The request parser: one reading of every head, and the ambiguous ones refused. */
class HeadReaderTest {
    static RequestHead parse(String raw) throws IOException, HttpRefusal {
        return new HeadReader(new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1))).readRequest();
    }

    static int refusal(String raw) {
        return assertThrows(HttpRefusal.class, () -> parse(raw)).status();
    }

    @Test
    void aPlainRequestAndItsFraming() throws Exception {
        RequestHead h = parse("POST /api/chat?x=1 HTTP/1.1\r\nHost: 127.0.0.1:11434\r\nContent-Length:  12 \r\n"
                + "Authorization: Bearer k\r\n\r\n");
        assertEquals("POST", h.method());
        assertEquals("/api/chat", h.path());
        assertEquals(Framing.length(12), h.framing());
        assertEquals("Bearer k", h.single("authorization"));
        assertEquals(Framing.CHUNKED, parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n").framing());
        assertEquals(Framing.NONE, parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").framing());
    }

    @Test
    void lineFeedsAloneAndLeadingBlankLinesAreRead() throws Exception {
        RequestHead h = parse("\r\n\nGET /health HTTP/1.1\nHost: localhost:8080\n\n");
        assertEquals("/health", h.target());
        assertEquals("GET /health HTTP/1.1\r\nHost: localhost:8080\r\n\r\n", new String(h.forUpstream(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void endOfStreamBeforeARequestIsNoRequest() throws Exception {
        assertNull(parse(""));
        assertThrows(IOException.class, () -> parse("GET / HTTP/1.1\r\nHost: a\r\n"));
    }

    static Stream<Arguments> ambiguous() {
        return Stream.of(
                Arguments.of("both framings (smuggling)", 400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of("two lengths", 400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
                Arguments.of("length list", 400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n"),
                Arguments.of("signed length", 400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n"),
                Arguments.of("huge length", 400, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n"),
                Arguments.of("unknown coding", 501, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
                Arguments.of("chunked twice", 501, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of("coding with junk", 501, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n"),
                Arguments.of("chunked in 1.0", 400, "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of("space before colon", 400, "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
                Arguments.of("folded line", 400, "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n  c\r\n\r\n"),
                Arguments.of("bare CR", 400, "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"),
                Arguments.of("absolute form", 400, "GET http://evil.example/ HTTP/1.1\r\nHost: a\r\n\r\n"),
                Arguments.of("authority form", 400, "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: a\r\n\r\n"),
                Arguments.of("asterisk form", 400, "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
                Arguments.of("HTTP/2 preface", 505, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
                Arguments.of("HTTP/0.9", 400, "GET /\r\n"),
                Arguments.of("two spaces", 400, "GET  / HTTP/1.1\r\nHost: a\r\n\r\n"),
                Arguments.of("no header name", 400, "GET / HTTP/1.1\r\n: a\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ambiguous")
    void ambiguousRequestsAreRefused(String why, int status, String raw) {
        assertEquals(status, refusal(raw), why);
    }

    @Test
    void controlCharactersAndNulAreRefused() {
        assertEquals(400, refusal("GET / HTTP/1.1\r\nHost: a\u0001b\r\n\r\n"));
        assertEquals(400, refusal("GET / HTTP/1.1\r\nHost: a\u0000\r\n\r\n"));
    }

    @Test
    void anOversizeHeadIs431() {
        assertEquals(431, refusal("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "a".repeat(HeadReader.MAX_HEAD) + "\r\n\r\n"));
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 200; i++) {
            many.append("X-").append(i).append(": 1\r\n");
        }
        assertEquals(431, refusal(many.append("\r\n").toString()));
        assertEquals(431, refusal("GET /" + "a".repeat(70_000) + " HTTP/1.1\r\n\r\n"));
    }

    @Test
    void upgradesAreNotPassedOnAndChunkedIsAnnouncedOnce() throws Exception {
        RequestHead h = parse("GET /v1/models HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nContent-Length: 0\r\n"
                + "Host: 127.0.0.1:8000\r\nHTTP2-Settings: AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA\r\nUpgrade: h2c\r\n\r\n");
        assertEquals("GET /v1/models HTTP/1.1\r\nContent-Length: 0\r\nHost: 127.0.0.1:8000\r\n\r\n",
                new String(h.forUpstream(), StandardCharsets.ISO_8859_1));
        RequestHead c = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  CHUNKED \r\nConnection: keep-alive, Upgrade\r\n\r\n");
        assertEquals("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n",
                new String(c.forUpstream(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void closeAfterFollowsConnectionAndVersion() throws Exception {
        assertEquals(true, parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").closeAfter());
        assertEquals(false, parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").closeAfter());
        assertEquals(true, parse("GET / HTTP/1.0\r\nHost: a\r\n\r\n").closeAfter());
        assertEquals(false, parse("GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n").closeAfter());
    }

    @Test
    void chunkLines() throws Exception {
        HeadReader r = new HeadReader(new ByteArrayInputStream("1a;ext=1\r\n\r\nzz\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(26, r.chunkSize(null, 400));
        r.chunkEnd(null, 400);
        assertEquals(400, assertThrows(HttpRefusal.class, () -> r.chunkSize(null, 400)).status());
        HeadReader neg = new HeadReader(new ByteArrayInputStream("-1\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(400, assertThrows(HttpRefusal.class, () -> neg.chunkSize(null, 400)).status());
        HeadReader big = new HeadReader(new ByteArrayInputStream("fffffffffffffffff\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(400, assertThrows(HttpRefusal.class, () -> big.chunkSize(null, 400)).status());
    }
}
