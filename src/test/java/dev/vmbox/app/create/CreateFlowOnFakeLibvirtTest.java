package dev.vmbox.app.create;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vmbox.VmboxException;
import dev.vmbox.app.instance.GuestAccess;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelControl;
import dev.vmbox.cloudinit.GpuKind;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.libvirt.DomainXml;
import dev.vmbox.provider.libvirt.LibvirtConfig;
import dev.vmbox.provider.libvirt.LibvirtProvider;
import dev.vmbox.provider.libvirt.PassthroughPlanner;
import dev.vmbox.provider.libvirt.VirtType;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.spec.VmSpec;
import dev.vmbox.ssh.SshClient;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.VmboxHome;
import dev.vmbox.testing.LocalSshd;
import dev.vmbox.testing.NodeDeviceFixture;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmbox create} on libvirt, against the fake {@code virsh} (the real {@code cloud-localds}) up to a real sshd
 * playing the booted guest, which says yes to every command and writes each into the same ordered log as the fake
 * virsh: so the order of what happened in the guest and at the hypervisor can be read back. Issue 15: the seed is
 * gone before anything untrusted enters the guest, and under the fetch window the runtime starts only once egress is
 * sealed in the guest and at the hypervisor.
 */
class CreateFlowOnFakeLibvirtTest {
    private static final String SHA = "b".repeat(64);
    private static final Pattern STARTS_RUNTIME = Pattern.compile("systemctl\\s+(--[a-z-]+\\s+)*(re)?start\\b|enable\\s+--now\\s+vmbox-runtime");

    @TempDir
    Path tmp;
    Path state;
    Path bin;
    Path storage;
    Path imageDir;
    LocalSshd sshd;
    InstanceStore store;

    @BeforeAll
    static void guestUser() throws Exception {
        CreateFlowOnFakeProvidersTest.guestUser();
    }

    @BeforeEach
    void setUp() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        bin = tmp.resolve("libvirt/bin");
        state = NodeDeviceFixture.installFakes(bin);
        // the guest (another user) writes into the fake virsh's log, so one file holds both in order
        Files.setPosixFilePermissions(tmp.resolve("libvirt"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(state.resolve("calls.log"), "");
        Files.setPosixFilePermissions(state.resolve("calls.log"), PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.createDirectories(state.resolve("domains"));
        Files.setPosixFilePermissions(state.resolve("domains"), PosixFilePermissions.fromString("rwxr-xr-x"));
        storage = tmp.resolve("storage");
        imageDir = Files.createDirectories(tmp.resolve("image"));
        Files.setPosixFilePermissions(imageDir, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(imageDir.resolve("disk.qcow2"), "VIRTUAL_SIZE=3221225472\n");
        Files.writeString(imageDir.resolve("vmlinuz"), "kernel");
        Files.writeString(imageDir.resolve("initrd.img"), "initrd");
        Files.writeString(imageDir.resolve("cmdline"), "root=LABEL=root ro console=ttyS0\n");
        Path cpuinfo = Files.createDirectories(tmp.resolve("host/proc")).resolve("cpuinfo");
        Files.writeString(cpuinfo, "processor\t: 0\nflags\t\t: fpu vme de pse sse2\n");

        Path guest = tmp.resolve("guest-command");
        Files.writeString(guest, String.join("\n",
                "#!/bin/sh",
                "# the booted guest: logs each command (and the script on its stdin) and says yes to all of them",
                "S='" + state + "'",
                "cmd=$SSH_ORIGINAL_COMMAND",
                "case \"$cmd\" in",
                "  *'sh -s'*) n=$(ls \"$S\" | grep -c '^stdin-'); cat > \"$S/stdin-$n\"; echo \"guest: $cmd <stdin-$n>\" >> \"$S/calls.log\"; exit 0 ;;",
                "esac",
                "echo \"guest: $cmd\" >> \"$S/calls.log\"",
                "case \"$cmd\" in",
                "  *'cloud-init status'*) echo 'status: done' ;;",
                "  *'rm -rf /var/tmp/vmbox-install'*) mkdir -p \"$S/at-install\"; cp \"$S\"/domains/*.xml \"$S/at-install/\";",
                "    for f in '" + storage + "'/*/seed.img; do [ -e \"$f\" ] && echo \"seed file present at install: $f\" >> \"$S/calls.log\"; done ;;",
                "  *sha256sum*) echo '" + SHA + "  /var/tmp/vmbox-install/runtime.archive.part' ;;",
                "esac",
                "exit 0",
                ""));
        Files.setPosixFilePermissions(guest, PosixFilePermissions.fromString("rwxr-xr-x"));
        sshd = LocalSshd.start(tmp, List.of("ForceCommand " + guest));
        store = new InstanceStore(new VmboxHome(tmp.resolve("home")));
    }

    @AfterEach
    void tearDown() {
        sshd.close();
    }

    private ZtExecCommandRunner runner() {
        return new ZtExecCommandRunner(EventLog.NONE, new Executables(bin + ":" + System.getenv().getOrDefault("PATH",
                "/usr/bin:/bin")));
    }

    /** The libvirt provider on the fakes, wrapped so that "booting" brings up the sshd with the seed's keys. */
    private Provider booted() {
        LibvirtProvider real = new LibvirtProvider(runner(), EventLog.NONE, new LibvirtConfig("qemu:///system", storage,
                VirtType.AUTO), name -> ResolvedImage.fromFolder(name, imageDir).orElseThrow(),
                PassthroughPlanner.unavailable("no GPU in this test", "none"), tmp.resolve("host"));
        return (Provider) Proxy.newProxyInstance(Provider.class.getClassLoader(), new Class<?>[] {Provider.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("sshEndpoint")) {
                        return real.inspect((String) args[0]).state() == VmState.RUNNING
                                ? Optional.of(new SshEndpoint("127.0.0.1", sshd.port(), null)) : Optional.empty();
                    }
                    Object out;
                    try {
                        out = method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("createPlan")) {
                        CreateFlowOnFakeProvidersTest.useSeedKeys(sshd, ((SeedFiles) args[1]).dir());
                    }
                    return out;
                });
    }

    /** Runs a create to its end (or to a failure after the seal): the log of what happened, in order. */
    private List<String> create(String name, EgressPolicy egress) throws IOException {
        PayloadSource payload = (req, step) -> new Payload(null, "test", "tar.gz", List.of(), "m", List.of(),
                List.of(new Payload.GuestDownload(URI.create("https://example.invalid/runtime.tar.gz"), SHA, 10,
                        Payload.RUNTIME_ARCHIVE)));
        CreateFlow flow = new CreateFlow(store, runner(), new GuestAccess(new SshClient(EventLog.NONE)),
                new ApiTunnel(new TunnelControl(new Executables("/usr/bin:/bin")), List.of("true")), payload,
                (r, u, k, t, alive, s) -> "ok", EventLog.NONE, Clock.systemUTC(), "test");
        VmSpec spec = new VmSpec(name, 2, ByteSize.ofGiB(2), ByteSize.ofGiB(10), null, egress, GpuRequest.NONE);
        CreateRequest req = new CreateRequest(spec, new CreateRequest.Chosen(booted(), "test", Map.of()),
                new CreateRequest.GuestRuntime(RuntimeKind.OLLAMA, 11434, 1L << 30), ApiAddress.loopback(LocalSshd.freePort()),
                "m", GpuKind.NONE, CreateFlowOnFakeProvidersTest.GUEST_USER, false, Duration.ofMinutes(3));
        try {
            flow.create(req, new RecordingProgress(new ArrayList<>()));
        } catch (VmboxException e) {
            // the stand-in tunnel may not come up: what matters here happened before it
            for (String early : List.of("install", "seal", "unseed", "cloud-init", "ssh", "provision")) {
                assertFalse(e.getMessage().contains("at step '" + early + "'"), e.getMessage());
            }
        }
        return Files.readAllLines(state.resolve("calls.log"));
    }

    private static int first(List<String> log, String part) {
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).contains(part)) {
                return i;
            }
        }
        fail("never happened: " + part + "\n" + String.join("\n", log));
        return -1;
    }

    /** The first guest command that starts the runtime (in its text, or in the script on its stdin), or -1. */
    private int firstRuntimeStart(List<String> log) throws IOException {
        for (int i = 0; i < log.size(); i++) {
            String line = log.get(i);
            if (!line.startsWith("guest: ")) {
                continue;
            }
            String text = line;
            java.util.regex.Matcher m = Pattern.compile("<(stdin-[0-9]+)>$").matcher(line);
            if (m.find()) {
                text += "\n" + Files.readString(state.resolve(m.group(1)));
            }
            if (STARTS_RUNTIME.matcher(text).find() && text.contains("vmbox-runtime")) {
                return i;
            }
        }
        return -1;
    }

    /** Finding 4 of issue 15: the seed (the guest's host private key) is off the VM before the install begins. */
    @Test
    void theSeedIsDetachedAndDeletedOnceCloudInitIsDoneBeforeTheInstall() throws IOException {
        List<String> log = create("unseeded", EgressPolicy.SEALED);
        int cloudInit = first(log, "-c 'cloud-init status");
        int disabled = first(log, "-c 'sudo -n touch /etc/cloud/cloud-init.disabled");
        int detached = first(log, "detach-disk vmbox-unseeded vdb --config");
        int install = first(log, "-c 'rm -rf /var/tmp/vmbox-install");
        assertTrue(cloudInit < disabled && disabled < detached && detached < install, String.join("\n", log));
        assertFalse(log.stream().anyMatch(l -> l.startsWith("seed file present at install")), String.join("\n", log));
        String atInstall = Files.readString(state.resolve("at-install/vmbox-unseeded.xml"));
        assertFalse(DomainXml.hasSeed(atInstall), "no later boot sees the seed: " + atInstall);
    }

    /** Finding 5 of issue 15: under the fetch window the untrusted runtime never runs before the seal. */
    @Test
    void fetchWindowInstallsSealsGuestAndHypervisorThenStartsTheRuntime() throws IOException {
        List<String> log = create("window", EgressPolicy.FETCH_WINDOW);
        int install = first(log, "-c 'sudo -n sh -s -- /var/tmp/vmbox-install");
        int seal = first(log, "-c 'sudo -n /usr/local/sbin/vmbox-seal");
        int stop = first(log, "shutdown vmbox-window");
        int restart = log.subList(stop, log.size()).indexOf("virsh -q -c qemu:///system start vmbox-window") + stop;
        int proof = log.subList(restart, log.size()).stream().filter(l -> l.contains("nft list chain inet vmbox output"))
                .findFirst().map(l -> log.subList(restart, log.size()).indexOf(l) + restart).orElse(-1);
        int started = firstRuntimeStart(log);
        assertTrue(started >= 0, "the runtime was started: " + String.join("\n", log));
        assertTrue(install < seal && seal < stop && stop < restart && restart < proof && proof < started,
                "install, then the guest's seal, the restart sealed at the hypervisor and its proof, and only then the "
                        + "runtime's start (install " + install + ", seal " + seal + ", stop " + stop + ", restart " + restart
                        + ", proof " + proof + ", start " + started + "):\n" + String.join("\n", log));
        assertTrue(log.stream().filter(l -> l.startsWith("virsh") && l.contains(" define ")).count() >= 2,
                "defined again, sealed: " + log);
    }
}
