package dev.vmbox.app.tunnel.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The relay between a real client socket and a stand-in runtime: what passes, what is refused, in which order. */
@Timeout(30)
class HttpRelayTest {
    static final String KEY = "vmbox-relay-test-key";

    RuntimeStandIn runtime;
    ServerSocket endpoint;
    String host;
    String auth;
    volatile boolean upstreamDown;

    @BeforeEach
    void start() throws IOException {
        runtime = new RuntimeStandIn();
        endpoint = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        host = "127.0.0.1:" + endpoint.getLocalPort();
        auth = "Authorization: Bearer " + KEY + "\r\n";
        EndpointPolicy policy = new EndpointPolicy(EndpointPolicy.tcpHosts(endpoint.getInetAddress(), endpoint.getLocalPort()),
                false, KEY, EndpointPolicy.PublicPaths.ollama(), "llm");
        Thread t = new Thread(() -> {
            while (!endpoint.isClosed()) {
                try {
                    Socket s = endpoint.accept();
                    HttpRelay relay = new HttpRelay(Conn.of(s), () -> {
                        if (upstreamDown) {
                            throw new IOException("down");
                        }
                        return Conn.of(new Socket("127.0.0.1", runtime.port()));
                    }, policy, "the tunnel to the guest is down", () -> { });
                    Thread r = new Thread(relay, "relay");
                    r.setDaemon(true);
                    r.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "endpoint");
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void stop() throws IOException {
        endpoint.close();
        runtime.close();
    }

    /** Sends {@code raw} on one connection and reads until the endpoint closes it (or {@code readMs} of quiet). */
    String exchange(String raw, int readMs) throws IOException {
        try (Socket s = new Socket("127.0.0.1", endpoint.getLocalPort())) {
            s.setSoTimeout(readMs);
            s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = s.getInputStream().read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException quiet) {
                // keep-alive: the endpoint waits for more
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static List<Integer> statuses(String responses) {
        List<Integer> out = new ArrayList<>();
        Matcher m = Pattern.compile("HTTP/1\\.1 (\\d{3}) ").matcher(responses);
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }

    @Test
    void anAllowedRequestPassesWithItsAuthorizationUnchanged() throws Exception {
        String r = exchange("GET /api/tags HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "Connection: close\r\n\r\n", 5000);
        assertEquals(List.of(200), statuses(r));
        assertTrue(r.endsWith("{\"models\":[]}"), r);
        assertEquals("Bearer " + KEY, runtime.seen().get(0).header("Authorization"));
        assertEquals(host, runtime.seen().get(0).header("Host"));
    }

    @Test
    void aPublicPathReachesTheRuntimeWithTheInstancesKey() throws Exception {
        String r = exchange("GET /api/version HTTP/1.1\r\nHost: " + host + "\r\nX-Api-Key: not-it\r\nConnection: close\r\n\r\n",
                5000);
        assertEquals(List.of(200), statuses(r));
        assertEquals("Bearer " + KEY, runtime.seen().get(0).header("Authorization"));
        assertEquals(null, runtime.seen().get(0).header("X-Api-Key"));
    }

    @Test
    void refusedRequestsNeverReachTheRuntime() throws Exception {
        String noKey = exchange("POST /api/generate HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 11\r\n\r\n{\"prompt\":1}", 5000);
        assertEquals(List.of(401), statuses(noKey));
        assertTrue(noKey.contains("vmbox api-key llm"), noKey);
        String page = exchange("POST /api/generate HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                + "Origin: http://evil.example\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}", 5000);
        assertEquals(List.of(403), statuses(page));
        String rebound = exchange("GET /api/tags HTTP/1.1\r\nHost: evil.example:" + endpoint.getLocalPort() + "\r\n" + auth + "\r\n", 5000);
        assertEquals(List.of(403), statuses(rebound));
        String smuggled = exchange("POST /api/tags HTTP/1.1\r\nHost: " + host + "\r\n" + auth
                + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 5000);
        assertEquals(List.of(400), statuses(smuggled));
        assertEquals(0, runtime.connections(), "no connection reached the runtime: " + runtime.seen());
    }

    @Test
    void everyRequestOnAKeptAliveConnectionIsChecked() throws Exception {
        String r = exchange("GET /api/tags HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "\r\n"
                + "GET /api/tags HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "Origin: http://evil.example\r\n\r\n"
                + "GET /api/version HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 5000);
        assertEquals(List.of(200, 403), statuses(r), "answers in order, then closed: " + r);
        assertEquals(1, runtime.seen().size(), "only the first request reached the runtime");
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        StringBuilder raw = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            raw.append("POST /echo HTTP/1.1\r\nHost: ").append(host).append("\r\n").append(auth)
                    .append("Content-Length: 6\r\n\r\nbody-").append(i);
        }
        raw.append("GET /stream?n=3&delay=50 HTTP/1.1\r\nHost: ").append(host).append("\r\n").append(auth).append("\r\n");
        raw.append("GET /api/tags HTTP/1.1\r\nHost: ").append(host).append("\r\n\r\n"); // no key: refused last
        String r = exchange(raw.toString(), 5000);
        assertEquals(List.of(200, 200, 200, 200, 200, 200, 401), statuses(r), r);
        int at = 0;
        for (int i = 0; i < 5; i++) {
            int next = r.indexOf("body-" + i, at);
            assertTrue(next > at, "echo " + i + " in order: " + r);
            at = next;
        }
        assertTrue(r.indexOf("data: 2") < r.indexOf("401 Unauthorized"), r);
        assertEquals(6, runtime.seen().size());
    }

    @Test
    void aChunkedBodyGoesOnCanonicallyAndARequestHiddenInItStaysData() throws Exception {
        String hidden = "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n";
        String r = exchange("POST /echo HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(hidden.length()) + ";ext=1\r\n" + hidden + "\r\n3\nabc\n0\r\nX-Trailer: 1\r\n\r\n"
                + "GET /api/version HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n", 5000);
        assertEquals(List.of(200, 200), statuses(r), r);
        assertEquals(2, runtime.seen().size());
        assertEquals(hidden + "abc", new String(runtime.seen().get(0).body(), StandardCharsets.ISO_8859_1));
        assertEquals("/api/version", runtime.seen().get(1).target());
    }

    @Test
    void aBadChunkAfterSomeBodyEndsTheConnection() throws Exception {
        String r = exchange("POST /echo HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\nzz\r\n", 3000);
        assertEquals(List.of(), statuses(r));
    }

    @Test
    void anOversizeHeadIs431AndNothingPasses() throws Exception {
        String r = exchange("GET /api/tags HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "X-Pad: " + "p".repeat(70_000) + "\r\n\r\n", 5000);
        assertEquals(List.of(431), statuses(r));
        assertEquals(0, runtime.connections());
    }

    @Test
    void streamedAnswersStream() throws Exception {
        try (Socket s = new Socket("127.0.0.1", endpoint.getLocalPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /stream?n=2&delay=800 HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            long t0 = System.nanoTime();
            String first = readUntil(in, "data: 0");
            long firstMs = (System.nanoTime() - t0) / 1_000_000;
            readUntil(in, "data: 1");
            long secondMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(first.contains("text/event-stream"), first);
            assertTrue(secondMs - firstMs >= 600, "the first event came at " + firstMs + " ms, the second at " + secondMs
                    + " ms: the first was held back");
        }
    }

    static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.ISO_8859_1).contains(marker)) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed before " + marker + ": " + b);
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void javasHttpClientOffersH2cAndGetsHttp11() throws Exception {
        HttpClient c = HttpClient.newBuilder().proxy(java.net.ProxySelector.of(null)).build();
        byte[] body = new byte[300_000];
        new java.util.Random(1).nextBytes(body);
        HttpResponse<byte[]> r = c.send(HttpRequest.newBuilder(URI.create("http://" + host + "/echo"))
                .header("Authorization", "Bearer " + KEY).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals(HttpClient.Version.HTTP_1_1, r.version());
        assertArrayEquals(body, r.body());
        HttpResponse<String> ok = c.send(HttpRequest.newBuilder(URI.create("http://localhost:" + endpoint.getLocalPort() + "/"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("Ollama is running", ok.body(), "public without the key");
    }

    @Test
    void aTunnelThatIsDownIsA502() throws Exception {
        upstreamDown = true;
        String r = exchange("GET /api/tags HTTP/1.1\r\nHost: " + host + "\r\n" + auth + "\r\n", 5000);
        assertEquals(List.of(502), statuses(r));
        assertTrue(r.contains("the tunnel to the guest is down"), r);
    }

    @Test
    void headAnswersHaveNoBodyAndTheConnectionGoesOn() throws Exception {
        String r = exchange("HEAD / HTTP/1.1\r\nHost: " + host + "\r\n\r\nGET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n", 5000);
        assertEquals(List.of(200, 200), statuses(r), r);
        assertTrue(r.endsWith("Ollama is running") && r.indexOf("Ollama is running") == r.lastIndexOf("Ollama is running"), r);
    }
}
