package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.download.Sha256;
import dev.vmbox.store.FileNames;
import dev.vmbox.testing.CliHarness;
import dev.vmbox.testing.CliHarness.Result;
import dev.vmbox.testing.FakeProviders;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API port at create's check step: taken by another program, or claimed by another create under way, it is 7
 * (IN_USE), before anything is made; the provider is never asked to make a VM.
 */
class CreatePortTest {
    @TempDir
    Path tmp;
    Path home;
    CliHarness cli;
    FakeProviders fakes;
    List<String> modelArgs;

    @BeforeEach
    void setUp() throws IOException {
        home = tmp.resolve("home");
        fakes = FakeProviders.install(tmp.resolve("fakes"));
        cli = new CliHarness(home).env("VMBOX_OFFLINE", "1").env("PATH", fakes.bin() + ":/usr/bin:/bin");
        Path gguf = Path.of(System.getProperty("vmbox.repo", ".")).resolve("src/test/resources/fixtures/gguf/tiny-llama.gguf");
        Path bundle = Files.writeString(tmp.resolve("ollama-linux-amd64.tgz"), "a runtime bundle vouched for by the test");
        modelArgs = List.of("--model-file", gguf.toString(), "--runtime-bundle", bundle.toString(), "--runtime-sha256",
                Sha256.of(bundle), "--timeout", "2m");
    }

    private Result create(int port) {
        List<String> args = new ArrayList<>(List.of("create", "demo", "-p", "multipass", "--port", Integer.toString(port)));
        args.addAll(modelArgs);
        return cli.run(args.toArray(String[]::new));
    }

    @Test
    void aPortAnotherProgramHoldsIsInUse() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Result r = create(taken.getLocalPort());
            assertEquals(7, r.exitCode(), r.toString());
            assertTrue(r.err().contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use"), r.err());
        }
        assertTrue(fakes.multipassCalls().stream().noneMatch(c -> c.get(0).equals("launch")), fakes.multipassCalls().toString());
        assertFalse(Files.exists(home.resolve("demo")), "nothing made");
    }

    @Test
    void aPortAnotherCreateUnderWayClaimedIsInUse() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        // another create, in a process that still runs (this one), claimed it
        Path claims = Files.createDirectories(home.resolve(FileNames.PORT_CLAIMS_DIR));
        ProcessHandle me = ProcessHandle.current();
        Files.writeString(claims.resolve("127.0.0.1_" + port + ".json"), "{\"instance\":\"other\",\"pid\":" + me.pid()
                + ",\"started\":\"" + me.info().startInstant().map(Object::toString).orElse("") + "\"}");
        Result r = create(port);
        assertEquals(7, r.exitCode(), r.toString());
        assertTrue(r.err().contains("port " + port + " on 127.0.0.1 is taken by the create of 'other'"), r.err());
        assertTrue(fakes.multipassCalls().stream().noneMatch(c -> c.get(0).equals("launch")));
    }
}
