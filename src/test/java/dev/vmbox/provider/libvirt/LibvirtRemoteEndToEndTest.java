package dev.vmbox.provider.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.provider.VmState;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.spec.VmSpec;
import dev.vmbox.ssh.SshClient;
import dev.vmbox.ssh.SshOptions;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.testing.E2ePrerequisites;
import dev.vmbox.testing.LocalSshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real VM on a "remote" libvirt host: real libvirtd + QEMU reached as {@code qemu+ssh://root@127.0.0.1:PORT/system}
 * through a real sshd the test starts on loopback, so every virsh call, the volume uploads and the guest's SSH
 * travel over SSH exactly as to a GPU host across the network. Proves: the disks are volumes of the pool
 * (nothing in the local storage folder), the guest boots vmbox's real seed, vmbox's own SSH client reaches it
 * through the host with the pinned key (a wrong key is refused through the hop too), delete leaves no domain
 * and no instance volume. The test removes the pool it made (and the uploaded base) at the end.
 */
@Tag("e2e")
class LibvirtRemoteEndToEndTest {
    private static final Duration BOOT = Duration.ofMinutes(8);

    @TempDir
    Path tmp;

    private final CommandRunner runner = new ZtExecCommandRunner(EventLog.NONE, Executables.fromEnvironment(System.getenv()));
    private LocalSshd host;
    private LibvirtProvider provider;
    private String name;
    private boolean poolWasThere = true;

    @AfterEach
    void cleanUp() {
        try {
            if (provider != null) {
                provider.delete(name, Duration.ofMinutes(2));
            }
        } catch (RuntimeException e) {
            System.err.println("remote e2e cleanup: " + e.getMessage());
        } finally {
            if (!poolWasThere) {
                removePool();
            }
            if (host != null) {
                host.close();
            }
        }
    }

    @Test
    void remoteCreateBootsFromPoolVolumesAndIsReachedThroughTheHost() throws Exception {
        Path imageDir = E2ePrerequisites.check("LibvirtRemoteEndToEndTest", runner,
                List.of("virsh", "qemu-img", "cloud-localds", "ssh", "ssh-keygen"));
        poolWasThere = poolExists();
        host = LocalSshd.start(tmp.resolve("gpu-host"));
        String uri = "qemu+ssh://" + host.user() + "@127.0.0.1:" + host.port() + "/system?keyfile=" + host.clientKey()
                + "&command=" + sshTrusting(host);
        Path storage = tmp.resolve("local-storage");
        name = "e2e-remote-" + UUID.randomUUID().toString().substring(0, 6);
        provider = new LibvirtProvider(runner, EventLog.NONE, LibvirtConfig.defaults(uri, tmp.resolve("home"))
                .withStorageRoot(storage), image -> ResolvedImage.fromFolder(image, imageDir).orElseThrow(),
                PassthroughPlanner.unavailable("not in this test", null), Path.of("/"));
        assertTrue(provider.probe().usable(), provider.probe().detail());

        Path keys = Files.createDirectories(tmp.resolve("keys"));
        for (String k : List.of("client", "host")) {
            runner.run(Command.of(Duration.ofSeconds(30), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e",
                    "-f", keys.resolve(k).toString()));
        }
        Path seed = Files.createDirectories(tmp.resolve("seed"));
        LibvirtEndToEndTest.realSeed(seed, "vmbox", Files.readString(keys.resolve("client.pub")).strip(),
                Files.readString(keys.resolve("host")), Files.readString(keys.resolve("host.pub")).strip(), EgressPolicy.SEALED, List.of());

        VmSpec spec = VmSpec.of(name, 2, ByteSize.ofGiB(2), ByteSize.ofGiB(4)).withImage("vmbox-debian-12")
                .withEgress(EgressPolicy.SEALED).withGpu(GpuRequest.NONE);
        Instant t0 = Instant.now();
        dev.vmbox.testing.Plans.create(provider, runner, spec, seed, Duration.ofMinutes(10));
        Duration created = Duration.between(t0, Instant.now());
        assertEquals(VmState.RUNNING, provider.inspect(name).state());
        assertTrue(provider.egressSealed(name));
        assertFalse(Files.exists(storage), "a remote host's disks are its volumes, not local files");
        String domainXml = virsh("dumpxml", LibvirtNames.domain(name));
        assertTrue(domainXml.contains(PoolVolumes.DEFAULT_TARGET + "/" + PoolVolumes.disk(name)), domainXml);
        assertTrue(volumes().contains(PoolVolumes.seed(name)), volumes());

        SshEndpoint ep = provider.sshEndpoint(name).orElseThrow();
        assertTrue(ep.jumpHost().isPresent(), "reached through the libvirt host");
        SshClient client = new SshClient(EventLog.NONE);
        SshTarget target = new SshTarget(ep.host(), ep.port(), "vmbox", keys.resolve("client"),
                Files.readString(keys.resolve("host.pub")).strip(), ep.via());
        try (SshSession s = waitForSsh(client, target)) {
            Duration toSsh = Duration.between(t0, Instant.now());
            String status = s.exec("cloud-init status --wait --long", Duration.ofMinutes(6)).stdout();
            assertTrue(status.contains("status: done"), status);
            System.out.printf("%n=== e2e figure (remote libvirt over SSH, %s): create (upload + define + start) %.1f s; "
                            + "create -> SSH ready %.1f s; create -> cloud-init done %.1f s ===%n%n",
                    provider.resolveVirtType().xmlName(), created.toMillis() / 1000.0, toSsh.toMillis() / 1000.0,
                    Duration.between(t0, Instant.now()).toMillis() / 1000.0);
            assertTrue(s.exec("cat /proc/mounts", Duration.ofSeconds(30)).stdout().lines()
                    .noneMatch(l -> l.contains(" 9p ") || l.contains(" virtiofs ")), "no host folder in the guest");
        }
        // once the first boot is over the seed volume (the host private key) leaves the definition and the pool
        dev.vmbox.testing.Plans.afterFirstBoot(provider, runner, name, Duration.ofMinutes(1));
        assertFalse(DomainXml.hasSeed(virsh("dumpxml", "--inactive", LibvirtNames.domain(name))), "no later boot sees it");
        assertFalse(volumes().contains(PoolVolumes.seed(name)), volumes());
        assertEquals(java.util.Optional.of(true), provider.hypervisorEgressSealed(name), "the running VM has restrict=on");
        String calls = Files.readString(tmp.resolve("gpu-host-ssh.calls"));
        assertTrue(calls.contains("-W 127.0.0.1:" + ep.port() + " -- 127.0.0.1"), "the guest was reached through the host: "
                + calls);
        SshTarget wrong = new SshTarget(ep.host(), ep.port(), "vmbox", keys.resolve("client"), host.hostPublicKey(), ep.via());
        VmboxException e = assertThrows(VmboxException.class, () -> client.connect(wrong, SshOptions.defaults()));
        assertEquals(ExitCode.SECURITY, e.exitCode(), e.getMessage());

        provider.delete(name, Duration.ofMinutes(2));
        assertEquals(VmState.NOT_CREATED, provider.inspect(name).state());
        assertFalse(virsh("list", "--all", "--name").contains(LibvirtNames.domain(name)));
        assertTrue(volumes().lines().noneMatch(l -> l.contains(LibvirtNames.domain(name) + ".")), volumes());
    }

    private SshSession waitForSsh(SshClient client, SshTarget target) throws InterruptedException {
        Instant deadline = Instant.now().plus(BOOT);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            try {
                return client.connect(target, SshOptions.defaults().withConnectAttempts(1)
                        .withConnectTimeout(Duration.ofSeconds(15)));
            } catch (VmboxException e) {
                if (e.exitCode() == ExitCode.SECURITY) {
                    throw e;
                }
                last = e.getMessage();
            }
            Thread.sleep(3000);
        }
        fail("SSH through the libvirt host not ready within " + BOOT + ": " + last);
        return null;
    }

    /** The libvirt URI's {@code command}: ssh that trusts exactly the test host's key (as ~/.ssh/known_hosts would). */
    private Path sshTrusting(LocalSshd sshd) {
        return sshd.sshCommandTrustingThis(tmp.resolve("gpu-host-ssh"), tmp.resolve("gpu-host-ssh.calls"));
    }

    private String virsh(String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("virsh", "-q", "-c", E2ePrerequisites.URI));
        argv.addAll(List.of(args));
        return runner.run(Command.of(Duration.ofSeconds(60), argv)).stdout();
    }

    /** Whether the pool exists; only libvirt's "pool not found" means no (any other failure is not an answer). */
    private boolean poolExists() {
        try {
            virsh("pool-info", PoolVolumes.POOL);
            return true;
        } catch (CommandFailedException e) {
            if (e.result().stderr().contains("Storage pool not found")) {
                return false;
            }
            throw e;
        }
    }

    private String volumes() {
        virsh("pool-refresh", PoolVolumes.POOL);
        return virsh("vol-list", "--pool", PoolVolumes.POOL);
    }

    /** Removes the pool this test made, with the base volumes it uploaded. */
    private void removePool() {
        try {
            if (!poolExists()) {
                return;
            }
            virsh("pool-refresh", PoolVolumes.POOL);
            for (String line : virsh("vol-list", "--pool", PoolVolumes.POOL).lines().toList()) {
                String vol = line.strip().split("\\s+")[0];
                if (!vol.isEmpty()) {
                    virsh("vol-delete", "--pool", PoolVolumes.POOL, vol);
                }
            }
            virsh("pool-destroy", PoolVolumes.POOL);
            virsh("pool-delete", PoolVolumes.POOL);
            virsh("pool-undefine", PoolVolumes.POOL);
        } catch (RuntimeException e) {
            System.err.println("remote e2e cleanup of the pool: " + e.getMessage());
        }
    }
}
