package dev.vmbox.cloudinit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.DryRunCommandRunner;
import dev.vmbox.exec.ExecutableNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Seed images made by each real tool, read back: label {@code cidata}, exact files, mode 0600. */
class SeedImageBuilderTest {
    static final Duration T = Duration.ofSeconds(60);

    /** The real runner, but only {@code allowed} counts as installed (forces one tool). */
    static CommandRunner only(Set<String> allowed) {
        return cmd -> {
            if (!allowed.contains(cmd.program())) {
                throw new ExecutableNotFoundException(cmd, null);
            }
            return RealTools.RUNNER.run(cmd);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"cloud-localds", "xorriso", "genisoimage"})
    void eachToolMakesAReadableCidataImage(String tool, @TempDir Path dir) throws IOException {
        RealTools.require(tool);
        RealTools.require("xorriso");
        GuestSpec spec = Specs.spec().withModelRef("模型 \"x\"");
        String userData = CloudInitComposer.renderUserData(spec);
        String metaData = CloudInitComposer.renderMetaData(spec, MetaData.freshInstanceId("golden"));
        Path image = dir.resolve("vm/seed.img");
        Set<String> allowed = tool.equals("cloud-localds") ? Set.of(tool, "genisoimage") : Set.of(tool);
        String used = new SeedImageBuilder(only(allowed), false).build(image, userData, metaData, T);
        assertEquals(tool, used);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(image)));
        assertEquals(SeedImageBuilder.VOLUME_LABEL, volumeLabel(image));
        Path out = dir.resolve("extracted");
        RealTools.RUNNER.run(Command.of(T, "xorriso", "-osirrox", "on", "-indev", image.toString(),
                "-extract", "/", out.toString()));
        assertEquals(userData, Files.readString(out.resolve("user-data"), StandardCharsets.UTF_8));
        assertEquals(metaData, Files.readString(out.resolve("meta-data"), StandardCharsets.UTF_8));
        try (Stream<Path> left = Files.list(dir.resolve("vm"))) {
            assertEquals(List.of(image), left.toList(), "staging files are removed");
        }
    }

    @Test
    void firstAvailableToolWinsAndNetworkConfigIsIncluded(@TempDir Path dir) throws IOException {
        RealTools.require("xorriso");
        Path image = dir.resolve("seed.img");
        String used = new SeedImageBuilder(only(Set.of("xorriso", "genisoimage")), false)
                .build(image, "#cloud-config\n{}\n", "instance-id: i-1\n", "version: 2\n", T);
        assertEquals("xorriso", used);
        Path out = dir.resolve("x");
        RealTools.RUNNER.run(Command.of(T, "xorriso", "-osirrox", "on", "-indev", image.toString(), "-extract", "/",
                out.toString()));
        assertEquals("version: 2\n", Files.readString(out.resolve("network-config")));
    }

    @Test
    void noToolIsAClearUnavailableError(@TempDir Path dir) {
        VmboxException e = assertThrows(VmboxException.class, () -> new SeedImageBuilder(only(Set.of()), false)
                .build(dir.resolve("seed.img"), "#cloud-config\n", "instance-id: i\n", T));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("cloud-localds, xorriso, genisoimage"), e.getMessage());
        assertTrue(e.hint().contains("cloud-image-utils"), e.hint());
        assertTrue(new SeedImageBuilder(only(Set.of()), true).tools().contains("hdiutil"));
    }

    @Test
    void cloudLocaldsWithoutGenisoimageFallsBackToXorriso(@TempDir Path dir) throws IOException {
        RealTools.require("cloud-localds");
        RealTools.require("xorriso");
        // A PATH with everything in /usr/bin except genisoimage: cloud-localds runs and fails, the builder moves on.
        Path bin = Files.createDirectories(dir.resolve("bin"));
        try (Stream<Path> all = Files.list(Path.of("/usr/bin"))) {
            for (Path p : all.toList()) {
                if (!p.getFileName().toString().equals("genisoimage")) {
                    Files.createSymbolicLink(bin.resolve(p.getFileName()), p);
                }
            }
        }
        CommandRunner runner = cmd -> {
            if (cmd.program().equals("cloud-localds")) {
                return RealTools.RUNNER.run(cmd.withEnv("PATH", bin.toString()));
            }
            return only(Set.of("xorriso")).run(cmd);
        };
        String used = new SeedImageBuilder(runner, false).build(dir.resolve("s.img"), "#cloud-config\n",
                "instance-id: i\n", T);
        assertEquals("xorriso", used);
    }

    @Test
    void dryRunRecordsTheCommandAndWritesNothing(@TempDir Path dir) {
        DryRunCommandRunner dry = new DryRunCommandRunner(new PrintWriter(new StringWriter()));
        String used = new SeedImageBuilder(dry, false).build(dir.resolve("seed.img"), "#cloud-config\n", "instance-id: i\n", T);
        assertEquals("cloud-localds", used);
        assertTrue(dry.recorded().get(0).display().startsWith("cloud-localds "));
        assertTrue(Files.notExists(dir.resolve("seed.img")));
    }

    @Test
    void refusesUserDataWithoutHeader(@TempDir Path dir) {
        VmboxException e = assertThrows(VmboxException.class, () -> new SeedImageBuilder(only(Set.of()), false)
                .build(dir.resolve("seed.img"), "users: []\n", "instance-id: i\n", T));
        assertEquals(ExitCode.INTERNAL, e.exitCode());
    }

    @Test
    void seedFacadeRendersAndWritesInOneCall(@TempDir Path dir) throws IOException {
        RealTools.require("xorriso");
        Seed seed = Seed.of(Specs.spec());
        assertTrue(seed.instanceId().startsWith("vmbox-golden-"));
        assertTrue(seed.metaData().contains(seed.instanceId()));
        assertTrue(!seed.toString().contains("PRIVATE KEY"));
        Path image = dir.resolve("seed.img");
        seed.writeImage(image, RealTools.RUNNER, T);
        assertEquals(SeedImageBuilder.VOLUME_LABEL, volumeLabel(image));
    }

    /** The ISO 9660 primary volume descriptor's volume identifier (sector 16, bytes 40..71). */
    static String volumeLabel(Path iso) throws IOException {
        byte[] all = Files.readAllBytes(iso);
        int pvd = 16 * 2048;
        assertEquals(1, all[pvd], "primary volume descriptor");
        assertEquals("CD001", new String(all, pvd + 1, 5, StandardCharsets.US_ASCII));
        return new String(all, pvd + 40, 32, StandardCharsets.US_ASCII).strip();
    }

}
