package dev.vmbox.app.tunnel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Who may use the endpoint: its own Host, no web page's Origin, and the key. */
class EndpointPolicyTest {
    static final String KEY = "vmbox-k3y";

    static EndpointPolicy loopback(int port, EndpointPolicy.PublicPaths paths) throws Exception {
        return new EndpointPolicy(EndpointPolicy.tcpHosts(InetAddress.getByName("127.0.0.1"), port), false, KEY, paths, "llm");
    }

    static int status(EndpointPolicy p, String head) throws Exception {
        RequestHead h = new HeadReader(new ByteArrayInputStream((head + "\r\n").getBytes(StandardCharsets.ISO_8859_1))).readRequest();
        try {
            p.check(h);
            return 0;
        } catch (HttpRefusal r) {
            return r.status();
        }
    }

    @Test
    void theLoopbackNamesOfTheEndpointAreItsHosts() throws Exception {
        assertEquals(Set.of("127.0.0.1:11434", "localhost:11434", "[::1]:11434"),
                EndpointPolicy.tcpHosts(InetAddress.getByName("127.0.0.1"), 11434));
        assertEquals(Set.of("127.0.0.1:11434", "localhost:11434", "[::1]:11434"),
                EndpointPolicy.tcpHosts(InetAddress.getByName("::1"), 11434));
        assertEquals(Set.of("192.0.2.7:8080"), EndpointPolicy.tcpHosts(InetAddress.getByName("192.0.2.7"), 8080));
        assertTrue(EndpointPolicy.tcpHosts(InetAddress.getByName("127.0.0.1"), 80).contains("localhost"));
    }

    @Test
    void aForeignHostIsRefusedDnsRebinding() throws Exception {
        EndpointPolicy p = loopback(11434, EndpointPolicy.PublicPaths.ollama());
        String auth = "Authorization: Bearer " + KEY + "\r\n";
        assertEquals(0, status(p, "GET /api/tags HTTP/1.1\r\nHost: 127.0.0.1:11434\r\n" + auth));
        assertEquals(0, status(p, "GET /api/tags HTTP/1.1\r\nHost: LOCALHOST:11434\r\n" + auth));
        assertEquals(0, status(p, "GET /api/tags HTTP/1.1\r\nHost: [::1]:11434\r\n" + auth));
        for (String host : new String[] {"evil.example:11434", "127.0.0.1:11435", "127.0.0.1", "localhost", "0.0.0.0:11434",
            "10.0.0.1:11434", "localhost.evil.example:11434", "127.0.0.1:11434/", "a/?x=:11434"}) {
            assertEquals(403, status(p, "GET /api/tags HTTP/1.1\r\nHost: " + host + "\r\n" + auth), host);
        }
        assertEquals(400, status(p, "GET /api/tags HTTP/1.1\r\n" + auth));
        assertEquals(400, status(p, "GET / HTTP/1.1\r\nHost: 127.0.0.1:11434\r\nHost: evil.example\r\n"));
    }

    @Test
    void webPagesAreRefusedByOriginAndFetchMetadata() throws Exception {
        EndpointPolicy p = loopback(8080, EndpointPolicy.PublicPaths.llamaServer());
        String req = "POST /completion HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer " + KEY + "\r\n";
        for (String origin : new String[] {"http://evil.example", "null", "http://localhost:3000", "http://127.0.0.1:8081",
            "https://127.0.0.1:8080", "file://", "chrome-extension://abc", "http://localhost:8080"}) {
            assertEquals(403, status(p, req + "Origin: " + origin + "\r\n"), origin);
        }
        assertEquals(0, status(p, req + "Origin: http://127.0.0.1:8080\r\n"), "the endpoint's own page");
        assertEquals(0, status(p, "GET /health HTTP/1.1\r\nHost: localhost:8080\r\nOrigin: http://localhost:8080\r\n"));
        assertEquals(403, status(p, req + "Sec-Fetch-Site: cross-site\r\n"));
        assertEquals(403, status(p, req + "Sec-Fetch-Site: same-site\r\n"));
        assertEquals(0, status(p, req + "Sec-Fetch-Site: same-origin\r\n"));
        assertEquals(0, status(p, req + "Sec-Fetch-Site: none\r\n"));
        assertEquals(403, status(p, "OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nOrigin: http://evil.example\r\n"),
                "a preflight is refused too, key or not");
        assertEquals(400, status(p, req + "Origin: http://127.0.0.1:8080\r\nOrigin: http://evil.example\r\n"));
    }

    @Test
    void theKeyIsNeededExceptForPublicPaths() throws Exception {
        EndpointPolicy p = loopback(11434, EndpointPolicy.PublicPaths.ollama());
        String host = "Host: 127.0.0.1:11434\r\n";
        assertEquals(401, status(p, "GET /api/tags HTTP/1.1\r\n" + host));
        assertEquals(401, status(p, "GET /api/tags HTTP/1.1\r\n" + host + "Authorization: Bearer wrong\r\n"));
        assertEquals(401, status(p, "GET /api/tags HTTP/1.1\r\n" + host + "Authorization: Basic " + KEY + "\r\n"));
        assertEquals(401, status(p, "GET /api/tags HTTP/1.1\r\n" + host + "Authorization: Bearer " + KEY + "x\r\n"));
        assertEquals(0, status(p, "GET /api/tags HTTP/1.1\r\n" + host + "Authorization: bearer " + KEY + "\r\n"));
        assertEquals(0, status(p, "GET /api/tags HTTP/1.1\r\n" + host + "X-Api-Key: " + KEY + "\r\n"));
        assertEquals(400, status(p, "GET /api/tags HTTP/1.1\r\n" + host + "Authorization: Bearer " + KEY + "\r\nAuthorization: Bearer x\r\n"));
        assertEquals(0, status(p, "GET / HTTP/1.1\r\n" + host));
        assertEquals(0, status(p, "HEAD / HTTP/1.1\r\n" + host));
        assertEquals(0, status(p, "GET /api/version HTTP/1.1\r\n" + host));
        assertEquals(401, status(p, "POST / HTTP/1.1\r\n" + host + "Content-Length: 0\r\n"), "only GET and HEAD are public");
        assertEquals(401, status(p, "GET /api/version/ HTTP/1.1\r\n" + host));
        assertEquals(401, status(p, "GET /health HTTP/1.1\r\n" + host), "another runtime's health path");
    }

    @Test
    void llamaServersUiFilesArePublicButNotItsApi() throws Exception {
        EndpointPolicy p = loopback(8080, EndpointPolicy.PublicPaths.llamaServer());
        String host = "Host: 127.0.0.1:8080\r\n";
        for (String ok : new String[] {"/", "/index.html", "/simplechat.js", "/ui.mjs", "/simplechat.css", "/assets/x-1.js", "/health", "/v1/health"}) {
            assertEquals(0, status(p, "GET " + ok + " HTTP/1.1\r\n" + host), ok);
        }
        for (String no : new String[] {"/props", "/v1/models", "/slots", "/../x.js", "/x.json", "//x.js"}) {
            assertEquals(401, status(p, "GET " + no + " HTTP/1.1\r\n" + host), no);
        }
    }

    /**
     * A public path goes on with the instance's key in place of the client's, so llama-server, given the same key,
     * serves the UI files the endpoint made public (a browser sends no key for a page's script); anything else goes on
     * with the client's Authorization as sent.
     */
    @Test
    void publicPathsReachTheRuntimeWithTheInstancesKeyAndOthersWithTheClients() throws Exception {
        EndpointPolicy p = loopback(8080, EndpointPolicy.PublicPaths.llamaServer());
        String host = "Host: 127.0.0.1:8080\r\n";
        assertEquals("GET /simplechat.js HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer " + KEY + "\r\n\r\n",
                upstream(p, "GET /simplechat.js HTTP/1.1\r\n" + host));
        assertEquals("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer " + KEY + "\r\n\r\n",
                upstream(p, "GET / HTTP/1.1\r\n" + host + "Authorization: Bearer wrong\r\nX-Api-Key: other\r\n"),
                "a key the client sent to a public path is replaced, never passed on");
        assertEquals("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Api-Key: " + KEY + "\r\n\r\n",
                upstream(p, "GET /v1/models HTTP/1.1\r\n" + host + "X-Api-Key: " + KEY + "\r\n"), "the API: as the client sent it");
        assertEquals("POST / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: bearer " + KEY + "\r\nContent-Length: 0\r\n\r\n",
                upstream(p, "POST / HTTP/1.1\r\n" + host + "Authorization: bearer " + KEY + "\r\nContent-Length: 0\r\n"),
                "only GET and HEAD are public");
        EndpointPolicy keyOff = new EndpointPolicy(EndpointPolicy.tcpHosts(InetAddress.getByName("127.0.0.1"), 8080), false,
                null, EndpointPolicy.PublicPaths.llamaServer(), "llm");
        assertEquals("GET /ui.mjs HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", upstream(keyOff, "GET /ui.mjs HTTP/1.1\r\n" + host));
    }

    static String upstream(EndpointPolicy p, String head) throws Exception {
        RequestHead h = new HeadReader(new ByteArrayInputStream((head + "\r\n").getBytes(StandardCharsets.ISO_8859_1))).readRequest();
        p.check(h);
        return new String(p.forUpstream(h), StandardCharsets.ISO_8859_1);
    }

    @Test
    void aUnixSocketTakesTheLocalNamesCurlSends() throws Exception {
        EndpointPolicy p = new EndpointPolicy(Set.of(), true, KEY, EndpointPolicy.PublicPaths.vllm(), "llm");
        assertEquals(0, status(p, "GET /health HTTP/1.1\r\nHost: localhost\r\n"));
        assertEquals(0, status(p, "GET /version HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"));
        assertEquals(403, status(p, "GET /health HTTP/1.1\r\nHost: evil.example\r\n"));
        assertEquals(401, status(p, "GET /v1/models HTTP/1.1\r\nHost: localhost\r\n"));
    }

    @Test
    void withoutAKeyOnlyTheWebChecksRemain() throws Exception {
        EndpointPolicy p = new EndpointPolicy(EndpointPolicy.tcpHosts(InetAddress.getByName("127.0.0.1"), 1), false, null,
                EndpointPolicy.PublicPaths.NONE, "llm");
        assertEquals(0, status(p, "GET /api/tags HTTP/1.1\r\nHost: 127.0.0.1:1\r\n"));
        assertEquals(403, status(p, "GET /api/tags HTTP/1.1\r\nHost: 127.0.0.1:1\r\nOrigin: null\r\n"));
    }

    @Test
    void theRefusalIsOneShortClosingAnswer() {
        String r = new String(new HttpRefusal(401, "this API needs its key").response(), StandardCharsets.UTF_8);
        assertTrue(r.startsWith("HTTP/1.1 401 Unauthorized\r\n"), r);
        assertTrue(r.contains("\r\nWWW-Authenticate: Bearer realm=\"vmbox\"\r\n") && r.contains("\r\nConnection: close\r\n"), r);
        assertTrue(r.endsWith("\r\n\r\nvmbox: this API needs its key\n"), r);
    }
}
