package dev.vmbox.provider.libvirt;

import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.log.EventLog;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.VmSpec;
import dev.vmbox.testing.NodeDeviceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fixture: the libvirt provider against fake {@code virsh} and {@code qemu-img} scripts (src/test/resources/fakes/
 * libvirt) that keep state in a temp folder and answer like libvirt 9.0, errors included, run through the
 * REAL {@link ZtExecCommandRunner} with a PATH that puts the fakes first. {@code cloud-localds} is real.
 */
abstract class FakeLibvirtHost {
    static final String POOL_DIR = PoolVolumes.DEFAULT_TARGET;
    @TempDir
    Path tmp;

    Path bin;
    Path state;
    Path storage;
    Path imageDir;
    Path seedDir;
    final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        bin = tmp.resolve("bin");
        state = NodeDeviceFixture.installFakes(bin);
        storage = tmp.resolve("storage");
        imageDir = Files.createDirectories(tmp.resolve("image"));
        Files.writeString(imageDir.resolve("disk.qcow2"), "VIRTUAL_SIZE=3221225472\n");
        Files.writeString(imageDir.resolve("vmlinuz"), "kernel");
        Files.writeString(imageDir.resolve("initrd.img"), "initrd");
        Files.writeString(imageDir.resolve("cmdline"), "root=LABEL=root ro console=ttyS0\n");
        seedDir = Files.createDirectories(tmp.resolve("seed"));
        Files.writeString(seedDir.resolve("user-data"), "#cloud-config\nssh_pwauth: false\n");
        Files.writeString(seedDir.resolve("meta-data"), "instance-id: iid-test\n");
        Files.writeString(tmp.resolve("cpuinfo"), "processor\t: 0\nflags\t\t: fpu vme de pse sse2\n");
    }

    /** The runner the providers of this fixture use: the fakes first on PATH. */
    ZtExecCommandRunner runner() {
        return new ZtExecCommandRunner(log(), new Executables(bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin")));
    }

    /** Makes the VM as vmbox's provision step does: the provider's create plan, run by the one runner. */
    void create(LibvirtProvider p, VmSpec spec, Path seed, Duration timeout) {
        dev.vmbox.testing.Plans.create(p, runner(), spec, seed, timeout);
    }

    private EventLog log() {
        return new EventLog() {
            @Override
            public void debug(String message) {
            }

            @Override
            public void warn(String message) {
                warnings.add(message);
            }

            @Override
            public boolean debugEnabled() {
                return false;
            }
        };
    }

    LibvirtProvider provider(String uri) {
        EventLog log = log();
        LibvirtConfig config = new LibvirtConfig(uri, storage, VirtType.AUTO);
        Path hostRoot = tmp.resolve("host");
        try {
            Files.createDirectories(hostRoot.resolve("proc"));
            Files.copy(tmp.resolve("cpuinfo"), hostRoot.resolve("proc/cpuinfo"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new LibvirtProvider(runner(), log, config,
                name -> ResolvedImage.fromFolder(name, imageDir).orElseThrow(),
                PassthroughPlanner.unavailable("no GPU in this test", "none"), hostRoot);
    }

    LibvirtProvider provider() {
        return provider("qemu:///system");
    }

    static VmSpec spec(String name) {
        return VmSpec.of(name, 2, ByteSize.ofGiB(2), ByteSize.ofGiB(10));
    }

    void mode(String mode) throws IOException {
        Files.writeString(state.resolve("mode"), mode);
    }

    String calls() throws IOException {
        return Files.exists(state.resolve("calls.log")) ? Files.readString(state.resolve("calls.log")) : "";
    }

    String domainXml(String domain) throws IOException {
        return Files.readString(state.resolve("domains/" + domain + ".xml"));
    }
}
