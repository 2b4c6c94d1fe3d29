package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.app.tunnel.TunnelWish;
import dev.vmbox.store.FileNames;
import dev.vmbox.testing.CliHarness;
import dev.vmbox.testing.CliHarness.Result;
import dev.vmbox.testing.ShellEval;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmbox env NAME}: what each runtime's clients read, in sh, fish and JSON, with the key or without it, for TCP
 * and for a Unix socket; the output evaluated by a real sh (and fish, where installed) gives back exactly the values,
 * whatever characters VMBOX_HOME's path holds.
 */
class EnvCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every character a shell could misread, and a line break that must not end a comment early. */
    static final String HOSTILE = "a b'c\"d$e`f\\g!h*i;j&k|l(m)n{o}p<q>r#s~t%u\nrm -rf x";

    @TempDir
    Path tmp;

    private CliHarness cli(Path home) {
        return new CliHarness(home);
    }

    static void instance(Path home, String name, String runtime, String bind, int port) throws IOException {
        Path dir = Files.createDirectories(home.resolve(name));
        Files.writeString(dir.resolve(FileNames.INSTANCE_RECORD), "{\"schema\":1,\"name\":\"" + name + "\",\"provider\":"
                + "\"libvirt\",\"phase\":\"READY\",\"settings\":{\"runtime\":\"" + runtime + "\",\"model\":\"tiny.gguf\","
                + "\"modelName\":\"tiny\",\"apiPort\":" + port + ",\"apiBind\":\"" + bind + "\",\"runtimePort\":8080}}");
    }

    static void wish(Path home, String name, TunnelWish w) throws IOException {
        Path dir = Files.createDirectories(home.resolve(name).resolve(FileNames.TUNNEL_DIR));
        w.write(dir.resolve(FileNames.TUNNEL_WISH));
    }

    /** The lines of the output that are not comments. */
    private static List<String> code(String out) {
        return out.lines().filter(l -> !l.startsWith("#")).toList();
    }

    @Test
    void anOllamaInstanceGetsOllamaOpenAiAndOpenWebUiVariablesWithItsKey() throws Exception {
        Path home = tmp.resolve("home");
        instance(home, "llm", "ollama", "127.0.0.1", 11434);
        Result r = cli(home).run("env", "llm");
        assertEquals(0, r.exitCode(), r.toString());
        String key = cli(home).run("api-key", "llm").out().strip();
        assertTrue(key.startsWith("vmbox-"), key);
        assertEquals(List.of(
                "export OLLAMA_HOST='http://127.0.0.1:11434'",
                "export OPENAI_BASE_URL='http://127.0.0.1:11434/v1'",
                "export OPENAI_API_KEY='" + key + "'",
                "export OLLAMA_BASE_URL='http://127.0.0.1:11434'",
                "export OPENAI_API_BASE_URL='http://127.0.0.1:11434/v1'"), code(r.out()), r.out());
        assertTrue(r.out().contains("eval \"$(vmbox env llm)\""), r.out());
        assertTrue(r.out().contains("ollama command-line client cannot send the key"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void llamaServerAndVllmGetNoOllamaVariablesAndFishGetsSetGx() throws Exception {
        Path home = tmp.resolve("home");
        instance(home, "chat", "llama.cpp", "127.0.0.1", 8080);
        instance(home, "big", "vllm", "::1", 8000);
        String key = cli(home).run("api-key", "chat").out().strip();
        Result fish = cli(home).run("env", "chat", "--shell", "fish");
        assertEquals(0, fish.exitCode(), fish.toString());
        assertEquals(List.of(
                "set -gx OPENAI_BASE_URL 'http://127.0.0.1:8080/v1'",
                "set -gx OPENAI_API_KEY '" + key + "'",
                "set -gx OPENAI_API_BASE_URL 'http://127.0.0.1:8080/v1'"), code(fish.out()), fish.out());
        assertTrue(fish.out().contains("vmbox env chat --shell fish | source"), fish.out());
        Result v6 = cli(home).run("env", "big", "--no-key");
        assertEquals(List.of("export OPENAI_BASE_URL='http://[::1]:8000/v1'", "export OPENAI_API_BASE_URL='http://[::1]:8000/v1'"),
                code(v6.out()), v6.out());
        assertTrue(v6.out().contains("OPENAI_API_KEY left out (--no-key)"), v6.out());
    }

    @Test
    void jsonCarriesTheSameVariablesAndWhatTheyAreFor() throws Exception {
        Path home = tmp.resolve("home");
        instance(home, "llm", "ollama", "127.0.0.1", 11500);
        JsonNode j = JSON.readTree(cli(home).run("env", "llm", "--json").out());
        assertEquals("llm", j.get("instance").asText());
        assertEquals("ollama", j.get("runtime").asText());
        assertEquals("tiny", j.get("model").asText());
        assertEquals("http://127.0.0.1:11500", j.get("url").asText());
        assertTrue(j.get("socket").isNull());
        assertTrue(j.get("keyRequired").asBoolean());
        assertEquals("http://127.0.0.1:11500/v1", j.get("variables").get("OPENAI_BASE_URL").asText());
        assertEquals(cli(home).run("api-key", "llm").out().strip(), j.get("variables").get("OPENAI_API_KEY").asText());
        JsonNode nokey = JSON.readTree(cli(home).run("env", "llm", "--json", "--no-key").out());
        assertFalse(nokey.get("variables").has("OPENAI_API_KEY"), nokey.toString());
    }

    @Test
    void aSocketEndpointSetsOnlyItsPathAndSaysWhatAppliesAndWhatDoesNot() throws Exception {
        Path home = tmp.resolve("home");
        instance(home, "llm", "llama.cpp", "127.0.0.1", 8080);
        wish(home, "llm", TunnelWish.NONE.withSocket(true));
        Result r = cli(home).run("env", "llm");
        assertEquals(0, r.exitCode(), r.toString());
        Path socket = home.resolve("llm").resolve(FileNames.TUNNEL_DIR).resolve(FileNames.TUNNEL_API_SOCKET);
        assertEquals(List.of("export VMBOX_API_SOCKET='" + socket + "'"), code(r.out()), r.out());
        assertTrue(r.out().contains("curl --unix-socket \"$VMBOX_API_SOCKET\""), r.out());
        assertTrue(r.out().contains("no base URL is set") && r.out().contains("--port 8080"), r.out());
        assertFalse(r.out().contains("OPENAI_API_KEY="), "no key without a base URL beside it: " + r.out());
        JsonNode j = JSON.readTree(cli(home).run("env", "llm", "--json").out());
        assertTrue(j.get("url").isNull());
        assertEquals(socket.toString(), j.get("socket").asText());
    }

    @Test
    void keyOffIsSaidAndTheKeyStillGiven() throws Exception {
        Path home = tmp.resolve("home");
        instance(home, "llm", "ollama", "127.0.0.1", 11434);
        wish(home, "llm", TunnelWish.NONE.withKeyOff(true));
        Result r = cli(home).run("env", "llm");
        assertTrue(r.out().contains("the API key is off for llm"), r.out());
        assertFalse(r.out().contains("cannot send the key"), r.out());
        assertTrue(r.out().contains("export OPENAI_API_KEY='vmbox-"), "SDKs need a value even when unchecked: " + r.out());
    }

    @Test
    void missingAndUnfinishedInstancesAreNotFound() throws Exception {
        Path home = tmp.resolve("home");
        assertEquals(4, cli(home).run("env", "nope").exitCode());
        Path dir = Files.createDirectories(home.resolve("half"));
        Files.writeString(dir.resolve(FileNames.INSTANCE_RECORD), "{\"schema\":1,\"name\":\"half\",\"provider\":\"libvirt\","
                + "\"phase\":\"CREATING\",\"settings\":{}}");
        Result r = cli(home).run("env", "half");
        assertEquals(4, r.exitCode(), r.toString());
        assertEquals("", r.out());
        assertEquals(2, cli(home).run("env", "llm", "--shell", "tcsh").exitCode());
        assertEquals(2, cli(home).run("env", "Bad_Name").exitCode());
    }

    static final List<String> VALUES = List.of("", "plain", "it's", "''", "\\'", "a\\", "a\\\\b", HOSTILE);

    @Test
    void quotingSurvivesEveryCharacterAPathCanHold() {
        VALUES.forEach(v -> assertEquals(v, evalSh("export X=" + EnvCommand.shQuoted(v) + "\n", "X"), "sh: " + v));
    }

    @Test
    void fishQuotingSurvivesEveryCharacterAPathCanHold() {
        assumeTrue(Files.isExecutable(ShellEval.FISH), "fish is not installed (scripts/test installs it)");
        VALUES.forEach(v -> assertEquals(v, evalFish("set -gx X " + EnvCommand.fishQuoted(v) + "\n", "X"), "fish: " + v));
    }

    /** A VMBOX_HOME whose path holds every troublesome character: eval gives back the path, and runs nothing else. */
    @Test
    void theWholeOutputEvaluatesToTheValuesInShAndFish() throws Exception {
        Path home = tmp.resolve(HOSTILE.replace("rm -rf x", "touch pwned")).resolve("home");
        instance(home, "llm", "llama.cpp", "127.0.0.1", 8080);
        wish(home, "llm", TunnelWish.NONE.withSocket(true));
        Path socket = home.resolve("llm").resolve(FileNames.TUNNEL_DIR).resolve(FileNames.TUNNEL_API_SOCKET);
        String sh = cli(home).run("env", "llm").out();
        assertEquals(socket.toString(), evalSh(sh, "VMBOX_API_SOCKET"));
        instance(home, "tcp", "ollama", "127.0.0.1", 11434);
        String key = cli(home).run("api-key", "tcp").out().strip();
        assertEquals(key, evalSh(cli(home).run("env", "tcp").out(), "OPENAI_API_KEY"));
        assertEquals("http://127.0.0.1:11434", evalSh(cli(home).run("env", "tcp").out(), "OLLAMA_HOST"));
        if (Files.isExecutable(ShellEval.FISH)) {
            assertEquals(socket.toString(), evalFish(cli(home).run("env", "llm", "--shell", "fish").out(), "VMBOX_API_SOCKET"));
            assertEquals(key, evalFish(cli(home).run("env", "tcp", "--shell", "fish").out(), "OPENAI_API_KEY"));
        }
        assertFalse(Files.exists(tmp.resolve("pwned")), "nothing of a value ran as a command");
    }

    private String evalSh(String script, String variable) {
        return ShellEval.sh(script, variable, tmp);
    }

    private String evalFish(String script, String variable) {
        return ShellEval.fish(script, variable, tmp);
    }
}
