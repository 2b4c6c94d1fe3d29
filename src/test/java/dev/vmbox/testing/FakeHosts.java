package dev.vmbox.testing;

import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.VmboxHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Every fake provider CLI at once (virsh with its qemu-img and ssh, limactl, multipass; src/test/resources/fakes), each
 * logging its calls, and a PATH that puts them first: what a CLI test needs to count (or rule out) provider commands.
 *
 * @param virshState the fake libvirt's state folder (domains, pools, calls.log, connections.log)
 * @param fakes      the fake Lima and Multipass
 * @param virshBin   the folder of the fake virsh
 */
public record FakeHosts(Path virshState, FakeProviders fakes, Path virshBin) {
    public static FakeHosts install(Path dir) {
        try {
            Path bin = dir.resolve("libvirt/bin");
            return new FakeHosts(NodeDeviceFixture.installFakes(bin), FakeProviders.install(dir.resolve("fakes")), bin);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fakes first, then the system's folders. */
    public String path() {
        return virshBin + ":" + fakes.bin() + ":/usr/bin:/bin";
    }

    /** One line per virsh process (a command string is one): the connections a remote host would see. */
    public List<String> virshConnections() {
        return lines(virshState.resolve("connections.log"));
    }

    /** Every virsh command, those of a command string one by one. */
    public List<String> virshCalls() {
        return lines(virshState.resolve("calls.log"));
    }

    /** Forgets every call logged so far. */
    public void forgetCalls() {
        try {
            Files.deleteIfExists(virshState.resolve("connections.log"));
            Files.deleteIfExists(virshState.resolve("calls.log"));
            Files.deleteIfExists(fakes.limaState().resolve("calls.log"));
            Files.deleteIfExists(fakes.multipassState().resolve("calls.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A record of a created instance in {@code home}, as create leaves it. */
    public static void record(Path home, String name, String provider, Map<String, String> ref, Map<String, Object> settings) {
        new InstanceStore(new VmboxHome(home)).create(new InstanceRecord(InstanceRecord.SCHEMA, name, provider, ref,
                InstanceRecord.Phase.READY, null, Instant.parse("2026-01-01T00:00:00Z"), "test", settings));
    }

    private static List<String> lines(Path log) {
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
