package dev.vmbox.app.instance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelControl;
import dev.vmbox.exec.Executables;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.Ownership;
import dev.vmbox.provider.Provider;
import dev.vmbox.ssh.SshClient;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.VmboxHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code delete} of an instance whose provider holds no VM still asks the record's provider to remove what it made for
 * it: a create killed between making the disks and defining the VM (seen on the real libvirt VM: the disk folder was
 * left after `delete` exited 0). Without a record no provider is asked to remove disks of that name.
 */
class InstanceDeleteTest {
    private static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    /** A provider that holds no VM of any name. */
    private static Provider absent() {
        Provider p = mock(Provider.class);
        when(p.id()).thenReturn("fake");
        when(p.ownership(any())).thenAnswer(a -> new Ownership(Ownership.Kind.ABSENT, "vmbox-" + a.getArgument(0), "no domain"));
        return p;
    }

    private static InstanceLifecycle lifecycle(InstanceStore store, Provider p) {
        return new InstanceLifecycle(new InstanceLookup(store, new OneProvider(p)), new GuestAccess(new SshClient(EventLog.NONE)),
                new ApiTunnel(new TunnelControl(Executables.fromEnvironment(System.getenv())), java.util.List.of("true")),
                (r, u, k, t, s) -> "ok", EventLog.NONE);
    }

    @Test
    void aRecordWithoutAVmStillHasItsProvidersDisksRemoved() {
        InstanceStore store = new InstanceStore(new VmboxHome(tmp.resolve("home")));
        store.create(new InstanceRecord(InstanceRecord.SCHEMA, "half", "fake", Map.of(), InstanceRecord.Phase.CREATING,
                null, Instant.now(), "test", Map.of()));
        Provider p = absent();
        InstanceLifecycle lifecycle = lifecycle(store, p);

        lifecycle.delete("half", false, T);
        verify(p).delete(eq("half"), any());
        assertFalse(Files.exists(store.dir("half")));
    }

    @Test
    void withoutARecordAnAbsentVmAsksNoProviderToDelete() {
        InstanceStore store = new InstanceStore(new VmboxHome(tmp.resolve("home")));
        Provider p = absent();
        InstanceLifecycle lifecycle = lifecycle(store, p);
        org.junit.jupiter.api.Assertions.assertThrows(dev.vmbox.VmboxException.class, () -> lifecycle.delete("gone", true, T));
        verify(p, never()).delete(any(), any());
    }
}
