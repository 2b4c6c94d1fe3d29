package dev.vmbox.app.instance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelControl;
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

/** Moving an instance's API: the one address rule ({@code spec.ApiAddress}), recorded for the next tunnel start. */
class InstanceTunnelTest {
    @TempDir
    Path tmp;

    @Test
    void theApiMovesOnlyToAPortAndAnAddressOfThisHost() {
        InstanceStore store = new InstanceStore(new VmboxHome(tmp.resolve("home")));
        store.create(new InstanceRecord(InstanceRecord.SCHEMA, "llm", "multipass", Map.of(), InstanceRecord.Phase.READY,
                null, Instant.now(), "test", Map.of(InstanceSettings.API_PORT, "11434",
                InstanceSettings.API_BIND, "127.0.0.1")));
        ProviderResolver none = new ProviderResolver() {
            @Override
            public Provider provider(String id, Map<String, String> ref) {
                throw new AssertionError("moving the API asks no provider");
            }

            @Override
            public List<Provider> all() {
                return List.of();
            }
        };
        InstanceTunnel tunnel = new InstanceTunnel(new InstanceLookup(store, none),
                new ApiTunnel(new TunnelControl(Executables.fromEnvironment(System.getenv())), List.of("true")));
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
}
