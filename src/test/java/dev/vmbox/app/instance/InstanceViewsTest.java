package dev.vmbox.app.instance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
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

    /** The provider of each connection (the record's "uri"; "" for none), made once per connection asked. */
    final Map<String, Provider> connections = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.concurrent.atomic.AtomicInteger resolved = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void setUp() {
        store = new InstanceStore(new VmboxHome(tmp.resolve("home")));
        provider = connection("");
        ProviderResolver resolver = new ProviderResolver() {
            @Override
            public Provider provider(String id, Map<String, String> ref) {
                resolved.incrementAndGet();
                return connection(ref.getOrDefault("uri", ""));
            }

            @Override
            public List<Provider> all() {
                return List.copyOf(connections.values());
            }
        };
        views = new InstanceViews(new InstanceLookup(store, resolver),
                new ApiTunnel(new TunnelControl(Executables.fromEnvironment(System.getenv())), List.of("true")));
    }

    /** A mock provider whose batch answers what its inspect answers for each name (and counts as one query). */
    private Provider connection(String uri) {
        return connections.computeIfAbsent(uri, u -> {
            Provider p = mock(Provider.class);
            when(p.inspectAll(any())).thenAnswer(inv -> {
                Map<String, VmStatus> m = new java.util.LinkedHashMap<>();
                for (String n : inv.<java.util.Collection<String>>getArgument(0)) {
                    m.put(n, p.inspect(n));
                }
                return m;
            });
            return p;
        });
    }

    private void record(String name, InstanceRecord.Phase phase, String failure, VmState live) {
        record(name, phase, failure, live, "");
    }

    private void record(String name, InstanceRecord.Phase phase, String failure, VmState live, String uri) {
        store.create(new InstanceRecord(InstanceRecord.SCHEMA, name, uri.isEmpty() ? "multipass" : "libvirt",
                uri.isEmpty() ? Map.of() : Map.of("uri", uri), phase, failure,
                Instant.parse("2025-01-01T00:00:00Z"), "test", Map.of(InstanceSettings.RUNTIME, "ollama",
                InstanceSettings.API_PORT, "11434", InstanceSettings.API_BIND, "::1")));
        when(connection(uri).inspect(name)).thenReturn(new VmStatus(name, uri.isEmpty() ? "multipass" : "libvirt", live,
                List.of()));
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
        record("far", InstanceRecord.Phase.READY, null, VmState.RUNNING, "qemu+ssh://gpu9/system");
        doThrow(VmboxException.failed("gpu9 is not answering", null, null)).when(connection("qemu+ssh://gpu9/system"))
                .inspectAll(any());
        List<InstanceView> rows = views.list();
        assertEquals("far", rows.get(0).name());
        assertEquals("UNKNOWN", rows.get(0).state());
        assertTrue(rows.get(0).detail().contains("could not be asked"), rows.get(0).detail());
        assertEquals("BROKEN", rows.get(1).state());
        assertTrue(rows.get(1).detail().contains("gone"), rows.get(1).detail());
        assertEquals("ready", rows.get(1).phase());
        assertTrue(rows.get(0).detail().contains("libvirt could not be asked: gpu9 is not answering"), rows.get(0).detail());
    }

    /** list: one query per connection however many instances it holds; never one per instance. */
    @Test
    void listAsksEachConnectionOnce() {
        for (int i = 0; i < 30; i++) {
            record("m" + i, InstanceRecord.Phase.READY, null, VmState.STOPPED);
            record("l" + i, InstanceRecord.Phase.READY, null, VmState.STOPPED, "qemu:///system");
        }
        List<InstanceView> rows = views.list();
        assertEquals(60, rows.size());
        assertTrue(rows.stream().allMatch(r -> r.state().equals("STOPPED")), rows.toString());
        assertEquals(2, resolved.get(), "one provider per connection");
        for (Provider p : connections.values()) {
            verify(p, times(1)).inspectAll(any());
            verify(p, never()).list();
        }
    }

    /** status NAME asks that instance's provider of it alone. */
    @Test
    void statusAsksOnlyForItsInstance() {
        record("one", InstanceRecord.Phase.READY, null, VmState.RUNNING);
        record("two", InstanceRecord.Phase.READY, null, VmState.RUNNING);
        assertEquals("RUNNING", views.status("one").state());
        verify(provider, never()).inspectAll(any());
        verify(provider, times(1)).inspect("one");
        verify(provider, never()).inspect("two");
    }

    /**
     * Connections are asked in parallel, at most four at a time: six slow hosts take about two rounds, not six, and a
     * host that fails makes only its own rows UNKNOWN.
     */
    @Test
    void connectionsAreAskedInParallelWithABound() {
        java.util.concurrent.atomic.AtomicInteger now = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        for (int h = 1; h <= 6; h++) {
            String uri = "qemu+ssh://gpu" + h + "/system";
            record("vm" + h, InstanceRecord.Phase.READY, null, VmState.RUNNING, uri);
            Provider p = connection(uri);
            boolean fails = h == 3;
            doAnswer(inv -> {
                most.accumulateAndGet(now.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(300);
                } finally {
                    now.decrementAndGet();
                }
                if (fails) {
                    throw VmboxException.failed("gpu3 is down", null, null);
                }
                return Map.of(inv.<java.util.Collection<String>>getArgument(0).iterator().next(),
                        new VmStatus("x", "libvirt", VmState.STOPPED, List.of()));
            }).when(p).inspectAll(any());
        }
        long t0 = System.nanoTime();
        List<InstanceView> rows = views.list();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(LiveStates.PARALLEL, most.get(), "at most " + LiveStates.PARALLEL + " at a time, and that many");
        assertTrue(ms < 6 * 300, "in parallel: " + ms + " ms");
        assertEquals(List.of("STOPPED", "STOPPED", "UNKNOWN", "STOPPED", "STOPPED", "STOPPED"),
                rows.stream().map(InstanceView::state).toList());
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
