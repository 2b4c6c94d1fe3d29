package dev.vmbox.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.app.instance.InstanceFiles;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelControl;
import dev.vmbox.app.tunnel.TunnelSettings;
import dev.vmbox.app.tunnel.http.RuntimeStandIn;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.SshKeys;
import dev.vmbox.testing.CliHarness;
import dev.vmbox.testing.LocalSshd;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's promise: every file vmbox writes under VMBOX_HOME is 0600 and every folder 0700, whatever the
 * umask. Checked by walking a home after the operations that write there: a setting, an instance record and its
 * lock, the instance's keys (public ones too) and API key, and the user's detached tunnel agent's control socket,
 * pid, lock and log, and the tunnel's endpoint and ssh sockets, log, state, settings, wish and pinned key.
 */
@Timeout(120)
class VmboxHomePermissionsTest {
    @TempDir
    Path tmp;

    @Test
    void everyFileIsPrivateAndEveryFolderToo() throws Exception {
        Path home = tmp.resolve("home");
        Executables exec = Executables.fromEnvironment(System.getenv());
        CliHarness cli = new CliHarness(home);
        assertEquals(0, cli.run("config", "set", "egress", "sealed").exitCode());

        InstanceStore store = new InstanceStore(new VmboxHome(home));
        store.create(new InstanceRecord(InstanceRecord.SCHEMA, "llm", "multipass", Map.of(), InstanceRecord.Phase.READY,
                null, Instant.now(), "test", Map.of("apiPort", "11434")));
        try (InstanceLock ignored = store.lock("llm", Duration.ofSeconds(5))) {
            InstanceFiles files = new InstanceFiles(store.dir("llm"));
            SshKeys.generate(files.sshDir(), "llm", new ZtExecCommandRunner(EventLog.NONE, exec));
            try (LocalSshd sshd = LocalSshd.start(tmp.resolve("sshd")); RuntimeStandIn runtime = new RuntimeStandIn()) {
                TunnelSettings s = ApiTunnel.settings("llm", sshd.target(), "127.0.0.1", LocalSshd.freePort(), runtime.port(),
                        RuntimeKind.OLLAMA);
                List<String> agent = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                        System.getProperty("java.class.path"), "dev.vmbox.cli.Main", "tunnel", "run");
                ApiTunnel tunnel = new ApiTunnel(new TunnelControl(exec), agent);
                try {
                    assertTrue(tunnel.start(files.tunnelDir(), s, Duration.ofSeconds(40)).up());
                    assertPrivate(home);
                } finally {
                    tunnel.stop(files.tunnelDir());
                }
            }
        }
        assertEquals(0, cli.run("list", "--json").exitCode());
        List<String> names;
        try (Stream<Path> all = Files.walk(home)) {
            names = all.map(p -> home.relativize(p).toString()).sorted().toList();
        }
        for (String expected : new String[] {"_config/config.yaml", "llm/.lock", "llm/instance.json", "llm/ssh/id_ed25519.pub",
            "llm/ssh/ssh_host_ed25519_key.pub", "llm/tunnel/tunnel.log", "llm/tunnel/tunnel.state.json",
            "llm/tunnel/tunnel.settings.json", "llm/tunnel/tunnel.known_hosts", "llm/tunnel/tunnel.wish.json", "llm/ssh/api_key",
            "_agent/agent.log", "_agent/agent.lock"}) {
            assertTrue(names.contains(expected), expected + " was written: " + names);
        }
        assertPrivate(home);
    }

    private static void assertPrivate(Path home) throws Exception {
        List<String> open = new ArrayList<>();
        try (Stream<Path> all = Files.walk(home)) {
            for (Path p : all.toList()) {
                if (Files.isSymbolicLink(p)) {
                    continue; // sockets are checked like files
                }
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                String want = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "rwx------" : "rw-------";
                if (!mode.equals(want)) {
                    open.add(home.relativize(p) + " " + mode);
                }
            }
        }
        assertEquals(List.of(), open, "files and folders under VMBOX_HOME that others could read");
    }
}
