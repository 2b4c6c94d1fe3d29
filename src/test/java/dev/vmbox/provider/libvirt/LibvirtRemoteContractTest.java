package dev.vmbox.provider.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.provider.CreatePlanRunner;
import dev.vmbox.provider.HostCapacity;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.provider.VmState;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.ssh.JumpHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * create, delete and inspect on a remote libvirt URI against the fake virsh: disks are volumes of the pool
 * "vmbox" made through libvirt (base uploaded once, overlay over it, seed uploaded), the domain points at the
 * pool's paths, SSH is reached through the libvirt host, failures leave no volume behind.
 */
class LibvirtRemoteContractTest extends FakeLibvirtHost {
    static final String URI = "qemu+ssh://admin@gpu1:2222/system?keyfile=/keys/id_gpu1";

    Path pool() {
        return state.resolve("pools/vmbox");
    }

    List<String> volumes() throws IOException {
        if (!Files.isDirectory(pool())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(pool())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    long uploads() throws IOException {
        return calls().lines().filter(l -> l.contains(" vol-upload ")).count();
    }

    @Test
    void remoteCreateMakesThePoolUploadsTheBaseOnceAndBootsFromVolumes() throws IOException {
        LibvirtProvider p = provider(URI);
        create(p, spec("llm"), seedDir, Duration.ofMinutes(1));
        assertEquals(VmState.RUNNING, p.inspect("llm").state());
        String c = calls();
        assertTrue(c.contains("pool-define-as --name vmbox --type dir --target " + POOL_DIR), c);
        assertTrue(c.contains("pool-build vmbox") && c.contains("pool-start vmbox") && c.contains("pool-autostart vmbox"), c);
        assertFalse(Files.exists(storage), "nothing is written to the local storage folder for a remote host");

        List<String> vols = volumes();
        String base = vols.stream().filter(v -> v.endsWith(".disk")).findFirst().orElseThrow();
        assertTrue(base.startsWith("_base-vmbox-debian-12-"), vols.toString());
        String stem = base.substring(0, base.length() - ".disk".length());
        assertTrue(vols.containsAll(List.of(stem + ".vmlinuz", stem + ".initrd", stem + ".complete", "vmbox-llm.qcow2",
                "vmbox-llm.seed.img")), vols.toString());
        assertEquals(Files.readString(imageDir.resolve("disk.qcow2")), Files.readString(pool().resolve(base)),
                "the base volume holds the image's bytes");
        String overlay = Files.readString(pool().resolve("vmbox-llm.qcow2"));
        assertTrue(overlay.contains("format=qcow2 capacity=" + ByteSize.ofGiB(10).bytes() + " backing=" + POOL_DIR + "/" + base
                + " backing-format=qcow2"), overlay);
        assertTrue(Files.size(pool().resolve("vmbox-llm.seed.img")) > 1000, "the seed made by the real cloud-localds");

        String xml = domainXml("vmbox-llm");
        for (String path : List.of(POOL_DIR + "/vmbox-llm.qcow2", POOL_DIR + "/vmbox-llm.seed.img", POOL_DIR + "/" + stem
                + ".vmlinuz", POOL_DIR + "/" + stem + ".initrd", POOL_DIR + "/vmbox-llm.console.log")) {
            assertTrue(xml.contains(path), path + " not in " + xml);
        }
        assertTrue(xml.contains("restrict=on"), xml);
        int port = DomainXml.sshPort(xml).orElseThrow();
        assertTrue(port >= 20000 && port < 32768, "below the ephemeral range: " + port);
        assertTrue(c.lines().filter(l -> l.contains(" define ")).allMatch(l -> !l.contains(storage.toString())), c);

        SshEndpoint ep = p.sshEndpoint("llm").orElseThrow();
        assertEquals(new SshEndpoint("127.0.0.1", port, new JumpHost("gpu1", 2222, "admin", Path.of("/keys/id_gpu1"), "ssh")),
                ep);

        long first = uploads();
        assertEquals(4, first, "base disk, kernel, initrd, seed");
        create(p, spec("two"), seedDir, Duration.ofMinutes(1));
        assertEquals(first + 1, uploads(), "the second VM uploads only its seed");
    }

    @Test
    void remoteDeleteRemovesTheInstanceVolumesAndKeepsTheSharedBase() throws IOException {
        LibvirtProvider p = provider(URI);
        create(p, spec("gone"), seedDir, Duration.ofMinutes(1));
        p.delete("gone", Duration.ofSeconds(30));
        assertEquals(VmState.NOT_CREATED, p.inspect("gone").state());
        List<String> vols = volumes();
        assertTrue(vols.stream().noneMatch(v -> v.startsWith("vmbox-gone")), "instance volumes remain: " + vols);
        assertTrue(vols.stream().anyMatch(v -> v.endsWith(".complete")), vols.toString());
        assertTrue(calls().contains("vol-delete --pool vmbox vmbox-gone.console.log"), "the console log virtlogd wrote: " + calls());
        p.delete("gone", Duration.ofSeconds(30));
    }

    @Test
    void aFailedUploadLeavesNoVolumeAndNoHalfBase() throws IOException {
        mode("upload-nospace");
        VmboxException e = assertThrows(VmboxException.class, () -> create(provider(URI), spec("full"), seedDir,
                Duration.ofMinutes(1)));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("no space left on device"), e.getMessage());
        assertEquals(List.of(), volumes(), "a cut upload is removed");
        assertFalse(calls().contains(" define "), calls());
    }

    @Test
    void aFailedSeedUploadRemovesTheDiskItMadeAndKeepsTheCompleteBase() throws IOException {
        mode("upload-nospace-seed");
        VmboxException e = assertThrows(VmboxException.class, () -> create(provider(URI), spec("half"), seedDir,
                Duration.ofMinutes(1)));
        assertEquals(ExitCode.FAILED, e.exitCode());
        List<String> vols = volumes();
        assertTrue(vols.stream().noneMatch(v -> v.startsWith("vmbox-half")), "rollback removes the overlay: " + vols);
        assertTrue(vols.stream().anyMatch(v -> v.endsWith(".complete")), "the shared base stays: " + vols);
        assertTrue(vols.stream().noneMatch(v -> v.endsWith(".uploading")), vols.toString());
    }

    @Test
    void rollbackNeverRemovesVolumesItDidNotMake() throws IOException {
        mode("overlay-race");
        VmboxException e = assertThrows(VmboxException.class, () -> create(provider(URI), spec("race"), seedDir,
                Duration.ofMinutes(1)));
        assertEquals(ExitCode.IN_USE, e.exitCode(), e.getMessage());
        assertEquals("someone else's disk\n", Files.readString(pool().resolve("vmbox-race.qcow2")),
                "the other vmbox's disk is left alone");
    }

    @Test
    void aBaseUploadInProgressElsewhereIsWaitedForThenReported() throws IOException {
        LibvirtProvider p = provider(URI);
        create(p, spec("one"), seedDir, Duration.ofMinutes(1));
        String marker = volumes().stream().filter(v -> v.endsWith(".complete")).findFirst().orElseThrow();
        Files.delete(pool().resolve(marker));
        Files.writeString(pool().resolve(marker.replace(".complete", ".uploading")), "");
        VmboxException e = assertThrows(VmboxException.class, () -> create(p, spec("two"), seedDir, Duration.ofSeconds(8)));
        assertEquals(ExitCode.TIMEOUT, e.exitCode());
        assertTrue(e.hint().contains("vol-delete --pool vmbox " + marker.replace(".complete", ".uploading")), e.hint());
        assertTrue(volumes().stream().noneMatch(v -> v.startsWith("vmbox-two")), volumes().toString());
    }

    @Test
    void aCompleteMarkerWithoutItsDiskIsRepaired() throws IOException {
        LibvirtProvider p = provider(URI);
        create(p, spec("one"), seedDir, Duration.ofMinutes(1));
        String disk = volumes().stream().filter(v -> v.endsWith(".disk")).findFirst().orElseThrow();
        Files.delete(pool().resolve(disk));
        create(p, spec("two"), seedDir, Duration.ofMinutes(1));
        assertEquals(Files.readString(imageDir.resolve("disk.qcow2")), Files.readString(pool().resolve(disk)));
    }

    @Test
    void aBaseWithoutItsCompleteMarkerIsUploadedAgain() throws IOException {
        LibvirtProvider p = provider(URI);
        create(p, spec("one"), seedDir, Duration.ofMinutes(1));
        String marker = volumes().stream().filter(v -> v.endsWith(".complete")).findFirst().orElseThrow();
        String disk = marker.replace(".complete", ".disk");
        Files.delete(pool().resolve(marker));
        Files.writeString(pool().resolve(disk), "half");
        create(p, spec("two"), seedDir, Duration.ofMinutes(1));
        assertEquals(Files.readString(imageDir.resolve("disk.qcow2")), Files.readString(pool().resolve(disk)));
        assertTrue(volumes().contains(marker));
    }

    @Test
    void volumesWithoutADomainAreBrokenAndDeleteCleansThem() throws IOException {
        LibvirtProvider p = provider(URI);
        create(p, spec("orphan"), seedDir, Duration.ofMinutes(1));
        Files.delete(state.resolve("domains/vmbox-orphan.xml"));
        var status = p.inspect("orphan");
        assertEquals(VmState.BROKEN, status.state());
        assertTrue(status.messages().get(0).contains("pool vmbox"), status.messages().toString());
        VmboxException e = assertThrows(VmboxException.class, () -> create(p, spec("orphan"), seedDir, Duration.ofMinutes(1)));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        p.delete("orphan", Duration.ofSeconds(30));
        assertEquals(VmState.NOT_CREATED, p.inspect("orphan").state());
    }

    /**
     * On a remote host one virsh command string (one ssh connection) lists the pool's volumes and the domains; each
     * answer equals inspect's, volumes without a domain included; a host without the pool still lists its domains.
     */
    @Test
    void inspectAllAsksTheRemoteHostOnce() throws IOException {
        LibvirtProvider p = provider(URI);
        assertEquals(VmState.NOT_CREATED, p.inspectAll(List.of("a")).get("a").state(), "no pool yet: no volumes");
        create(p, spec("up"), seedDir, Duration.ofMinutes(1));
        create(p, spec("orphan"), seedDir, Duration.ofMinutes(1));
        Files.delete(state.resolve("domains/vmbox-orphan.xml"));
        List<String> names = List.of("up", "orphan", "never");
        Files.deleteIfExists(state.resolve("connections.log"));
        var all = p.inspectAll(names);
        assertEquals(1, Files.readAllLines(state.resolve("connections.log")).size(), "one connection to gpu1");
        assertEquals(List.of(VmState.RUNNING, VmState.BROKEN, VmState.NOT_CREATED),
                names.stream().map(n -> all.get(n).state()).toList());
        for (String n : names) {
            assertEquals(p.inspect(n), all.get(n), n);
        }
        assertEquals(List.of("up"), p.list().stream().map(dev.vmbox.provider.VmStatus::name).toList());
    }

    @Test
    void aTakenPortOnTheRemoteHostIsRetried() throws IOException {
        mode("port-taken");
        LibvirtProvider p = provider(URI);
        create(p, spec("busy"), seedDir, Duration.ofMinutes(1));
        assertEquals(VmState.RUNNING, p.inspect("busy").state());
        assertEquals(2, calls().split("start vmbox-busy", -1).length - 1, calls());
        int taken = Integer.parseInt(Files.readString(state.resolve("taken-port")).strip());
        assertTrue(p.sshEndpoint("busy").orElseThrow().port() != taken, "another port after the first was taken");
    }

    @Test
    void fetchWindowIsSealedRemotelyWithoutLocalFiles() throws IOException {
        LibvirtProvider p = provider(URI);
        create(p, spec("fw").withEgress(EgressPolicy.FETCH_WINDOW), seedDir, Duration.ofMinutes(1));
        assertFalse(p.egressSealed("fw"));
        p.sealEgress("fw", Duration.ofSeconds(20));
        assertTrue(p.egressSealed("fw"));
        assertFalse(Files.exists(storage));
    }

    @Test
    void transportsWithoutSshAndUnverifiedHostsAreRefused() {
        VmboxException e = assertThrows(VmboxException.class, () -> provider("qemu+tcp://gpu1/system").validate(spec("r")));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("tcp transport") && e.hint().contains("qemu+ssh://"), e.getMessage());
        e = assertThrows(VmboxException.class, () -> provider("qemu+ssh://gpu1/system?no_verify=1").validate(spec("r")));
        assertEquals(ExitCode.SECURITY, e.exitCode());
    }

    @Test
    void kvmOnARemoteHostOnlyWhenItsCpuVirtualizes() throws IOException {
        Files.writeString(state.resolve("kvm"), "");
        assertEquals(VirtType.QEMU, provider(URI).resolveVirtType(), "kvm listed, but no vmx/svm in the host CPU (PVM)");
        Files.writeString(state.resolve("host-epyc"), "");
        assertEquals(VirtType.KVM, provider(URI).resolveVirtType(), "svm implied by the EPYC-Rome model");
        assertTrue(calls().contains("cpu-baseline --features"), calls());
        Files.delete(state.resolve("host-epyc"));
        Files.writeString(state.resolve("host-vmx"), "");
        assertEquals(VirtType.KVM, provider(URI).resolveVirtType());
    }

    @Test
    void dryRunListsVolumeCommandsAndTheHop() throws IOException {
        List<String> lines = CreatePlanRunner.describe(provider(URI).createPlan(spec("dry"), SeedFiles.in(seedDir),
                Duration.ofMinutes(1)));
        String all = String.join("\n", lines);
        assertEquals("", calls(), "making the plan runs nothing on the host");
        assertTrue(all.contains("vol-create-as --pool vmbox --name vmbox-dry.qcow2"), all);
        assertTrue(all.contains("vol-upload --pool vmbox --sparse vmbox-dry.seed.img"), all);
        assertTrue(all.contains("ssh -p 2222 -l admin -o IdentityFile=\"/keys/id_gpu1\""), all);
    }

    @Test
    void remoteCapacityComesFromTheLibvirtHost() throws IOException {
        HostCapacity c = provider(URI).remoteCapacity().orElseThrow();
        assertEquals(64, c.cpus());
        assertEquals(263921288L * 1024, c.memoryBytes());
        assertTrue(c.freeDiskBytes().isEmpty(), "no pool yet");
        create(provider(URI), spec("cap"), seedDir, Duration.ofMinutes(1));
        assertEquals(246041190400L, provider(URI).remoteCapacity().orElseThrow().freeDiskBytes().getAsLong());
        assertTrue(provider().remoteCapacity().isEmpty(), "a local URI runs VMs here");
    }
}
