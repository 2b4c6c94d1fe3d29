package dev.vmbox.app.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.testing.LocalSshd;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The endpoint in front of the real llama-server (Debian's llama.cpp-tools), which by itself answers any Origin
 * and any Host: through vmbox's endpoint a web page's request and a request without the
 * key are refused, and a streamed completion streams. Runs where a llama-server is at hand: on the PATH with
 * {@code VMBOX_TEST_GGUF} naming a model, or in a root folder {@code VMBOX_TEST_LLAMA_CHROOT} holding
 * {@code usr/bin/llama-server} and {@code srv/tiny.gguf} (run with chroot, as root). Loopback only.
 */
@Timeout(180)
class LlamaServerEndpointTest {
    @TempDir
    Path tmp;

    static List<String> llamaServer(int port) {
        String chroot = System.getenv("VMBOX_TEST_LLAMA_CHROOT");
        String gguf = System.getenv("VMBOX_TEST_GGUF");
        List<String> args = List.of("--host", "127.0.0.1", "--port", Integer.toString(port), "-t", "1", "-c", "256");
        List<String> cmd = new ArrayList<>();
        if (chroot != null && Files.isExecutable(Path.of(chroot, "usr/bin/llama-server")) && Files.isRegularFile(Path.of(chroot, "srv/tiny.gguf"))) {
            cmd.addAll(List.of("chroot", chroot, "llama-server", "-m", "/srv/tiny.gguf"));
        } else if (gguf != null && Files.isRegularFile(Path.of(gguf)) && AgentFixture.EXEC.find("llama-server").isPresent()) {
            cmd.addAll(List.of("llama-server", "-m", gguf));
        } else {
            return null;
        }
        cmd.addAll(args);
        return cmd;
    }

    /** Waits (60 s at most) for llama-server's /health while it runs; its log is the failure's message. */
    static void awaitHealth(int port, Process llama, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                if (HttpCall.get(port, "/health", null, Map.of()).status() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // loading
            }
            assertTrue(System.nanoTime() < deadline && llama.isAlive(), Files.readString(log));
            Thread.sleep(200);
        }
    }

    @Test
    void theEndpointRefusesWebPagesAndKeylessClientsThatLlamaServerWouldAnswer() throws Exception {
        int port = LocalSshd.freePort();
        List<String> cmd = llamaServer(port);
        assumeTrue(cmd != null, "no llama-server here (VMBOX_TEST_LLAMA_CHROOT or llama-server + VMBOX_TEST_GGUF)");
        Process llama = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("llama.log").toFile()).start();
        try (LocalSshd sshd = LocalSshd.start(tmp); AgentFixture agent = AgentFixture.start(tmp.resolve("home"))) {
            awaitHealth(port, llama, tmp.resolve("llama.log"));
            byte[] body = "{\"prompt\":\"a\",\"n_predict\":4}".getBytes(StandardCharsets.UTF_8);
            Map<String, String> page = Map.of("Origin", "http://evil.example", "Content-Type", "text/plain");
            HttpCall.Answer direct = HttpCall.send("127.0.0.1:" + port, "POST", "/completion", null, page, body);
            assertEquals(200, direct.status(), "llama-server alone answers a web page");
            assertEquals("http://evil.example", direct.headers().get("access-control-allow-origin"));

            TunnelSettings s = TunnelSettings.loopback("llama", sshd.target(), LocalSshd.freePort(), port, RuntimeKind.LLAMA_CPP, null);
            assertTrue(agent.start(s).up(), agent.log("llama"));
            String ep = "127.0.0.1:" + s.port();
            String key = agent.key("llama");
            assertEquals(403, HttpCall.send(ep, "POST", "/completion", key, page, body).status(), "a web page, key or not");
            assertEquals(403, HttpCall.send(ep, "POST", "/v1/chat/completions", key, Map.of("Host", "evil.example:" + s.port()),
                    body).status(), "DNS rebinding");
            assertEquals(401, HttpCall.send(ep, "POST", "/completion", null, Map.of(), body).status());
            assertEquals(401, HttpCall.get(s.port(), "/props", null, Map.of()).status());
            assertEquals(200, HttpCall.get(s.port(), "/health", null, Map.of()).status(), "health needs no key");
            HttpCall.Answer ok = HttpCall.send(ep, "POST", "/completion", key, Map.of("Content-Type", "application/json"), body);
            assertEquals(200, ok.status(), ok.text());
            assertTrue(ok.text().contains("\"tokens_predicted\""), ok.text());

            try (Socket sock = new Socket("127.0.0.1", s.port())) {
                sock.setSoTimeout(30_000);
                byte[] stream = "{\"prompt\":\"a\",\"n_predict\":8,\"stream\":true}".getBytes(StandardCharsets.UTF_8);
                sock.getOutputStream().write(("POST /completion HTTP/1.1\r\nHost: " + ep + "\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + stream.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                sock.getOutputStream().write(stream);
                InputStream in = sock.getInputStream();
                String got = "";
                byte[] buf = new byte[4096];
                int events = 0;
                while (!got.contains("\"stop\":true")) {
                    int n = in.read(buf);
                    assertTrue(n > 0, "the stream ended early: " + got);
                    got += new String(buf, 0, n, StandardCharsets.UTF_8);
                    events = got.split("data: ", -1).length - 1;
                }
                assertTrue(events >= 2, "server-sent events arrive one by one: " + got);
                assertTrue(got.contains("text/event-stream"), got);
            }
            agent.stop("llama");
        } finally {
            llama.destroy();
            llama.waitFor();
        }
    }
}
