package dev.vmbox.app.instance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.AgentFiles;
import dev.vmbox.app.tunnel.TunnelAgent;
import dev.vmbox.app.tunnel.TunnelControl;
import dev.vmbox.app.tunnel.TunnelWish;
import dev.vmbox.exec.Executables;
import dev.vmbox.provider.Provider;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.VmboxHome;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moving an instance's API: the one address rule ({@code spec.ApiAddress}), recorded for the next tunnel start. The
 * user's agent, run as a service, ended once no instance wants a tunnel or autostart any more.
 */
class InstanceTunnelTest {
    private static final Executables EXEC = Executables.fromEnvironment(System.getenv());
    private static final ProviderResolver NONE = new ProviderResolver() {
        @Override
        public Provider provider(String id, Map<String, String> ref) {
            throw new AssertionError("asks no provider");
        }

        @Override
        public List<Provider> all() {
            return List.of();
        }
    };

    @TempDir
    Path tmp;

    private static void record(InstanceStore store, String name) {
        store.create(new InstanceRecord(InstanceRecord.SCHEMA, name, "multipass", Map.of(), InstanceRecord.Phase.READY,
                null, Instant.now(), "test", Map.of(InstanceSettings.API_PORT, "11434",
                InstanceSettings.API_BIND, "127.0.0.1")));
    }

    private static InstanceTunnel tunnel(InstanceStore store) {
        return new InstanceTunnel(new InstanceLookup(store, NONE), new ApiTunnel(new TunnelControl(EXEC), List.of("true")));
    }

    @Test
    void theApiMovesOnlyToAPortAndAnAddressOfThisHost() {
        InstanceStore store = new InstanceStore(new VmboxHome(tmp.resolve("home")));
        record(store, "llm");
        InstanceTunnel tunnel = tunnel(store);
        for (String bad : new String[] {"0.0.0.0", "192.0.2.10", "example.org", "::"}) {
            VmboxException e = assertThrows(VmboxException.class, () -> tunnel.moveApi("llm", null, bad));
            assertEquals(ExitCode.BAD_INPUT, e.exitCode(), bad + ": " + e.getMessage());
        }
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> tunnel.moveApi("llm", 70000, null))
                .exitCode());
        tunnel.moveApi("llm", 11500, "::1");
        Map<String, Object> s = store.read("llm").settings();
        assertEquals("11500", s.get(InstanceSettings.API_PORT));
        assertEquals("::1", s.get(InstanceSettings.API_BIND));
    }

    @Test
    void theServiceAgentEndsOnlyWhenNoInstanceWantsATunnelOrAutostart() throws Exception {
        Path home = tmp.resolve("home");
        InstanceStore store = new InstanceStore(new VmboxHome(home));
        record(store, "kept");
        InstanceTunnel tunnel = tunnel(store);
        TunnelControl control = new TunnelControl(EXEC);
        Path wish = store.dir("kept").resolve("tunnel");
        control.setWish(wish, TunnelWish.NONE.withAutostart(true));
        TunnelAgent agent = new TunnelAgent(home, EXEC, true);
        Thread t = new Thread(agent::run, "service-agent");
        t.setDaemon(true);
        t.start();
        try {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!java.nio.file.Files.exists(new AgentFiles(home).socket()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(tunnel.anyAutostart());
            assertFalse(tunnel.endAgentIfIdle(), "an instance still wants autostart: the service stays");
            control.setWish(wish, TunnelWish.NONE.withWanted(true));
            assertFalse(tunnel.anyAutostart());
            assertFalse(tunnel.endAgentIfIdle(), "a tunnel is still wanted: the agent serves it");
            assertTrue(t.isAlive());
            control.setWish(wish, TunnelWish.NONE);
            assertTrue(tunnel.endAgentIfIdle(), "nothing wanted: the service's agent is asked to end");
            t.join(20_000);
            assertFalse(t.isAlive(), "and it ended");
        } finally {
            agent.requestStop();
            t.join(20_000);
        }
    }
}
