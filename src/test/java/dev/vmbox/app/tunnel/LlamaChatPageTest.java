package dev.vmbox.app.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.ApiKeys;
import dev.vmbox.testing.ChatPageBrowser;
import dev.vmbox.testing.E2ePrerequisites;
import dev.vmbox.testing.LocalSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * llama-server's own chat page (Debian's default UI, SimpleChat) through vmbox's endpoint, in a real headless
 * Chromium, with llama-server checking the instance's key itself as in the llama.cpp runtime image: the page and its
 * files load without the key (the endpoint passes its public paths on with the instance's key), the page's API calls
 * need it, and once the user has put
 * the key (and, on a port other than 8080, the endpoint's own address) in the page's Settings a prompt typed into it
 * gets the model's answer. The endpoint's checks stay as they are: the page is same-origin (its Origin and Host are
 * the endpoint's own), and it sends the key like any client. Runs where a llama-server is at hand (see
 * {@link LlamaServerEndpointTest}) and Chromium is installed; the screenshot is target/browser/llama-chat-page.png.
 */
@Timeout(300)
class LlamaChatPageTest {
    @TempDir
    Path tmp;

    @Test
    void aPromptTypedIntoLlamaServersPageGetsAnAnswerThroughTheEndpointWithTheKey() throws Exception {
        int port = LocalSshd.freePort();
        List<String> cmd = LlamaServerEndpointTest.llamaServer(port);
        assumeTrue(cmd != null, "no llama-server here (VMBOX_TEST_LLAMA_CHROOT or llama-server + VMBOX_TEST_GGUF)");
        if (!ChatPageBrowser.available()) {
            E2ePrerequisites.missing("LlamaChatPageTest", "Chromium and chromedriver are not installed (scripts/test installs them)");
        }
        // as in the llama.cpp runtime image, llama-server checks the instance's key itself (there: LLAMA_ARG_API_KEY_FILE)
        String key = ApiKeys.ensure(new TunnelFiles(tmp.resolve("home").resolve("chat").resolve("tunnel")).apiKey());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("llama.log").toFile());
        pb.environment().put("LLAMA_API_KEY", key);
        Process llama = pb.start();
        try (LocalSshd sshd = LocalSshd.start(tmp); AgentFixture agent = AgentFixture.start(tmp.resolve("home"))) {
            LlamaServerEndpointTest.awaitHealth(port, llama, tmp.resolve("llama.log"));
            TunnelSettings s = TunnelSettings.loopback("chat", sshd.target(), LocalSshd.freePort(), port, RuntimeKind.LLAMA_CPP,
                    null);
            assertTrue(agent.start(s).up(), agent.log("chat"));
            String api = "http://127.0.0.1:" + s.port();
            try {
                assertEquals(key, agent.key("chat"));
                ChatPageBrowser.Checked checked = ChatPageBrowser.check(api, key, tmp.resolve("browser"),
                        "llama-chat-page", Duration.ofSeconds(120));
                assertEquals("http://127.0.0.1:8080", checked.chat().defaultBaseUrl(),
                        "SimpleChat calls port 8080 of the page's host unless told otherwise (the README says so)");
                assertTrue(checked.chat().baseUrlTyped());
                String log = Files.readString(tmp.resolve("llama.log"));
                assertTrue(log.contains("processing task"), "the answer came from llama-server:\n" + log);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n--- agent log\n" + agent.log("chat") + "\n--- llama-server log\n"
                        + Files.readString(tmp.resolve("llama.log")), e);
            }
            agent.stop("chat");
        } finally {
            llama.destroy();
            llama.waitFor();
        }
    }
}
