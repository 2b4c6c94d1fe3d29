package dev.vmbox.provider.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vmbox.cloudinit.CloudInitComposer;
import dev.vmbox.cloudinit.GpuKind;
import dev.vmbox.cloudinit.GuestSpec;
import dev.vmbox.cloudinit.MetaData;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.HostKeyPair;
import dev.vmbox.spec.EgressPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed disk exactly as libvirt create makes it ({@link LibvirtCli#seedImage}, the real {@code cloud-localds}),
 * read back with xorriso: an ISO 9660 file system labelled {@code cidata} (what NoCloud looks for) holding the
 * rendered user-data and meta-data byte for byte, hostile text included, and network-config when given.
 */
class LibvirtSeedImageTest {
    static final Duration T = Duration.ofSeconds(60);
    static final CommandRunner RUNNER = new ZtExecCommandRunner(EventLog.NONE,
            Executables.fromEnvironment(System.getenv()));

    @TempDir
    Path tmp;

    @Test
    void cloudLocaldsMakesACidataSeedHoldingTheRenderedFilesExactly() throws IOException {
        GuestSpec spec = spec(RuntimeKind.OLLAMA, "模型 \"x\"; $(reboot)");
        String userData = CloudInitComposer.renderUserData(spec);
        String metaData = CloudInitComposer.renderMetaData(spec, MetaData.freshInstanceId("golden"));
        Path seedDir = Files.createDirectories(tmp.resolve("seed"));
        Files.writeString(seedDir.resolve("user-data"), userData);
        Files.writeString(seedDir.resolve("meta-data"), metaData);
        Path image = tmp.resolve("vm/seed.img");
        Files.createDirectories(image.getParent());

        RUNNER.run(LibvirtCli.seedImage(image, dev.vmbox.provider.SeedFiles.in(seedDir), seedDir));

        assertEquals("cidata", volumeLabel(image).toLowerCase(java.util.Locale.ROOT));
        Path out = tmp.resolve("extracted");
        RUNNER.run(Command.of(T, "xorriso", "-osirrox", "on", "-indev", image.toString(), "-extract", "/", out.toString()));
        assertEquals(userData, Files.readString(out.resolve("user-data"), StandardCharsets.UTF_8));
        assertEquals(metaData, Files.readString(out.resolve("meta-data"), StandardCharsets.UTF_8));
    }

    @Test
    void aRuntimeImageGetsItsOwnLabelAndTheTwoSystemdFilesExactly() throws IOException {
        GuestSpec spec = spec(RuntimeKind.LLAMA_CPP, "tiny.gguf");
        dev.vmbox.cloudinit.ImageSeed seed = dev.vmbox.cloudinit.ImageSeed.of(spec,
                new dev.vmbox.cloudinit.RuntimeArgs(2048, 2, "tiny.gguf"));
        Path seedDir = Files.createDirectories(tmp.resolve("image-seed"));
        Files.writeString(seedDir.resolve(dev.vmbox.provider.SeedFiles.SYSUSERS), seed.sysusers());
        Files.writeString(seedDir.resolve(dev.vmbox.provider.SeedFiles.TMPFILES), seed.tmpfiles());
        Path image = tmp.resolve("vm2/seed.img");
        Files.createDirectories(image.getParent());

        RUNNER.run(LibvirtCli.seedImage(image, dev.vmbox.provider.SeedFiles.forImage(seedDir), seedDir));

        assertEquals(dev.vmbox.provider.SeedFiles.IMAGE_SEED_LABEL, volumeLabel(image).toLowerCase(java.util.Locale.ROOT));
        Path out = tmp.resolve("extracted2");
        RUNNER.run(Command.of(T, "xorriso", "-osirrox", "on", "-indev", image.toString(), "-extract", "/", out.toString()));
        assertEquals(seed.sysusers(), Files.readString(out.resolve(dev.vmbox.provider.SeedFiles.SYSUSERS), StandardCharsets.UTF_8));
        assertEquals(seed.tmpfiles(), Files.readString(out.resolve(dev.vmbox.provider.SeedFiles.TMPFILES), StandardCharsets.UTF_8));
        try (var names = Files.list(out)) {
            assertEquals(java.util.Set.of(dev.vmbox.provider.SeedFiles.SYSUSERS, dev.vmbox.provider.SeedFiles.TMPFILES),
                    names.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
    }

    private static GuestSpec spec(RuntimeKind runtime, String model) throws IOException {
        return new GuestSpec("golden", "golden", "vmadmin", resource("/fixtures/keys/TEST-ONLY-client_ed25519.pub"),
                new HostKeyPair("-----BEGIN OPENSSH PRIVATE KEY-----\nVEVTVC1PTkxZ\n-----END OPENSSH PRIVATE KEY-----\n",
                        resource("/fixtures/keys/TEST-ONLY-host_ed25519_key.pub")),
                runtime, runtime.defaultPort(), EgressPolicy.SEALED, GpuKind.NONE, 8L << 30, 512, model,
                dev.vmbox.cloudinit.ProviderLogin.NONE);
    }

    /** The ISO 9660 primary volume descriptor's volume identifier (sector 16, bytes 40..71). */
    static String volumeLabel(Path iso) throws IOException {
        byte[] all = Files.readAllBytes(iso);
        int pvd = 16 * 2048;
        assertEquals(1, all[pvd], "primary volume descriptor");
        assertEquals("CD001", new String(all, pvd + 1, 5, StandardCharsets.US_ASCII));
        return new String(all, pvd + 40, 32, StandardCharsets.US_ASCII).strip();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = LibvirtSeedImageTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }
}
