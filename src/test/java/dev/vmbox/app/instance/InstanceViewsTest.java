package dev.vmbox.app.instance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelControl;
import dev.vmbox.exec.Executables;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.store.FileNames;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.VmboxHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** list and status: the state is the provider's, the record's phase is shown beside it and never instead of it. */
class InstanceViewsTest {
    @TempDir
    Path tmp;
    InstanceStore store;
    Provider provider;
    InstanceViews views;

    @BeforeEach
    void setUp() {
        store = new InstanceStore(new VmboxHome(tmp.resolve("home")));
        provider = mock(Provider.class);
        views = new InstanceViews(new InstanceLookup(store, new OneProvider(provider)),
                new ApiTunnel(new TunnelControl(Executables.fromEnvironment(System.getenv())), List.of("true")));
    }

    private void record(String name, InstanceRecord.Phase phase, String failure, VmState live) {
        store.create(new InstanceRecord(InstanceRecord.SCHEMA, name, "multipass", Map.of(), phase, failure,
                Instant.parse("2025-01-01T00:00:00Z"), "test", Map.of(InstanceSettings.RUNTIME, "ollama",
                InstanceSettings.API_PORT, "11434", InstanceSettings.API_BIND, "::1")));
        when(provider.inspect(name)).thenReturn(new VmStatus(name, "multipass", live, List.of()));
    }

    @Test
    void aReadyInstanceShowsTheProvidersState() {
        record("llm", InstanceRecord.Phase.READY, null, VmState.STOPPED);
        InstanceView v = views.status("llm");
        assertEquals("STOPPED", v.state());
        assertEquals("ready", v.phase());
        assertNull(v.detail());
        assertEquals("http://[::1]:11434", v.api());
        assertEquals("down", v.tunnel());
    }

    @Test
    void aFailedCreateKeptOnPurposeShowsTheVmsRealStateAndWhyItFailed() {
        record("kept", InstanceRecord.Phase.BROKEN, "step 'install': exit 3", VmState.RUNNING);
        InstanceView v = views.list().get(0);
        assertEquals("RUNNING", v.state(), "the state never comes from the record");
        assertEquals("failed", v.phase());
        assertEquals("create failed at step 'install': exit 3", v.detail());
    }

    @Test
    void aCreateUnderWayHasNoVmYet() {
        record("young", InstanceRecord.Phase.CREATING, null, VmState.NOT_CREATED);
        InstanceView v = views.status("young");
        assertEquals("NOT_CREATED", v.state());
        assertEquals("creating", v.phase());
        assertTrue(v.detail().contains("has not finished"), v.detail());
    }

    @Test
    void aFinishedInstanceWhoseVmIsGoneIsBrokenAndAProviderThatCannotBeAskedIsUnknown() {
        record("gone", InstanceRecord.Phase.READY, null, VmState.NOT_CREATED);
        record("far", InstanceRecord.Phase.READY, null, VmState.RUNNING);
        when(provider.inspect("far")).thenThrow(VmboxException.failed("multipass is not answering", null, null));
        List<InstanceView> rows = views.list();
        assertEquals("far", rows.get(0).name());
        assertEquals("UNKNOWN", rows.get(0).state());
        assertTrue(rows.get(0).detail().contains("could not be asked"), rows.get(0).detail());
        assertEquals("BROKEN", rows.get(1).state());
        assertTrue(rows.get(1).detail().contains("gone"), rows.get(1).detail());
        assertEquals("ready", rows.get(1).phase());
    }

    @Test
    void anUnreadableRecordIsBrokenWithNoPhase() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("home/mangled"));
        Files.writeString(dir.resolve(FileNames.INSTANCE_RECORD), "{ not json");
        InstanceView v = views.list().get(0);
        assertEquals("BROKEN", v.state());
        assertNull(v.phase());
        assertTrue(v.detail().contains("unreadable"), v.detail());
    }
}
