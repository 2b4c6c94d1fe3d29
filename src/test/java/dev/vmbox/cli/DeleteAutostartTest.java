package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.app.tunnel.AgentService;
import dev.vmbox.app.tunnel.TunnelWish;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.log.EventLog;
import dev.vmbox.store.FileNames;
import dev.vmbox.testing.CliHarness;
import dev.vmbox.testing.CliHarness.Result;
import dev.vmbox.testing.FakeProviders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmbox delete} of the last instance set to autostart takes back the agent's user service (its unit would
 * otherwise start an agent at every login that serves nothing); while another instance wants autostart it stays.
 */
class DeleteAutostartTest {
    @TempDir
    Path tmp;

    private static void instance(Path home, String name, boolean autostart) throws IOException {
        Path dir = Files.createDirectories(home.resolve(name));
        Files.writeString(dir.resolve(FileNames.INSTANCE_RECORD), "{\"schema\":1,\"name\":\"" + name + "\",\"provider\":"
                + "\"lima\",\"phase\":\"READY\",\"settings\":{\"runtime\":\"ollama\",\"apiPort\":11434,"
                + "\"apiBind\":\"127.0.0.1\",\"runtimePort\":11434}}");
        Path tunnel = Files.createDirectories(dir.resolve(FileNames.TUNNEL_DIR));
        TunnelWish.NONE.withAutostart(autostart).write(tunnel.resolve(FileNames.TUNNEL_WISH));
    }

    @Test
    void deletingTheLastInstanceSetToAutostartRemovesTheAgentsUnit() throws Exception {
        Path home = tmp.resolve("vmbox-home");
        Path config = tmp.resolve("config");
        FakeProviders fakes = FakeProviders.install(tmp.resolve("fakes"));
        CliHarness cli = new CliHarness(home).env("PATH", fakes.bin() + ":/usr/bin:/bin").env("XDG_CONFIG_HOME", config.toString());
        instance(home, "first", true);
        instance(home, "second", true);
        instance(home, "plain", false);
        AgentService service = new AgentService(Map.of("XDG_CONFIG_HOME", config.toString()), "Linux",
                new ZtExecCommandRunner(EventLog.NONE, Executables.fromEnvironment(System.getenv())));
        Path unit = service.install(List.of("/usr/bin/java", "-cp", "vmbox.jar", "dev.vmbox.cli.Main", "tunnel", "run"), home)
                .unitFile();
        assertTrue(Files.isRegularFile(unit), unit.toString());

        Result r = cli.run("delete", "first");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Files.isRegularFile(unit), "'second' still wants autostart: " + r);
        assertFalse(r.out().contains("no longer runs as a service"), r.out());

        r = cli.run("delete", "plain");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Files.isRegularFile(unit), "'plain' never wanted autostart: " + r);

        r = cli.run("delete", "second");
        assertEquals(0, r.exitCode(), r.toString());
        assertFalse(Files.exists(unit), "the last one set to autostart is gone, and the unit with it: " + r);
        assertTrue(r.out().contains("no longer runs as a service"), r.out());
        assertTrue(r.out().contains("removed " + unit), r.out());
    }
}
