package dev.vmbox.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.Downloader;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.log.EventLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder's wiring; the recipe itself runs for real in scripts/build-test-image and the e2e test. */
class ImageBuilderTest {
    @TempDir
    Path home;

    ImageCache cache() {
        return new ImageCache(home, Downloader.create(EventLog.NONE), new ContentCache(home.resolve("_cache/downloads")),
                Map.of(), Duration.ofSeconds(5));
    }

    @Test
    void runsTheShippedRecipeIntoTheCacheAndRemovesTheTempScript() {
        CommandRunner runner = mock(CommandRunner.class);
        AtomicReference<Command> seen = new AtomicReference<>();
        AtomicReference<String> scriptText = new AtomicReference<>();
        when(runner.run(any())).thenAnswer(inv -> {
            Command c = inv.getArgument(0);
            seen.set(c);
            scriptText.set(Files.readString(Path.of(c.argv().get(1))));
            Path out = Path.of(c.argv().get(2));
            Files.createDirectories(out);
            for (String f : List.of("disk.qcow2", "vmlinuz", "initrd.img")) {
                Files.writeString(out.resolve(f), f);
            }
            Files.writeString(out.resolve("cmdline"), "root=LABEL=root ro\n");
            return new CommandResult(c, 0, "", "", Duration.ofSeconds(1), false);
        });
        ResolvedImage image = new ImageBuilder(runner, cache()).build(Duration.ofMinutes(40));
        assertTrue(image.directKernelBoot());
        assertEquals(ImageCache.BUILT_IMAGE, image.name());
        Command c = seen.get();
        assertEquals("sh", c.argv().get(0));
        assertEquals(home.resolve("_cache/images/vmbox-debian-12").toString(), c.argv().get(2));
        assertEquals("bookworm", c.argv().get(3));
        assertEquals(Duration.ofMinutes(40), c.timeout());
        assertEquals(ImageBuilder.recipe(), scriptText.get());
        assertFalse(Files.exists(Path.of(c.argv().get(1))), "the temp recipe is removed");
    }

    @Test
    void missingToolsOrRootIsUnavailableWithTheFix() {
        CommandRunner runner = mock(CommandRunner.class);
        when(runner.run(any())).thenAnswer(inv -> {
            Command c = inv.getArgument(0);
            throw new CommandFailedException(new CommandResult(c, 3, "",
                    "build-image: must run as root (mmdebstrap root mode keeps file ownership for mkfs.ext4 -d)\n",
                    Duration.ZERO, false));
        });
        VmboxException e = assertThrows(VmboxException.class, () -> new ImageBuilder(runner, cache()).build(Duration.ofMinutes(1)));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("must run as root"), e.getMessage());
        assertTrue(e.hint().contains("mmdebstrap"), e.hint());
    }

    static Map<String, String> sudoEnv(String vmboxHome) {
        Map<String, String> env = new HashMap<>(Map.of("SUDO_USER", "alice", "SUDO_UID", "4242", "SUDO_GID", "4243"));
        if (vmboxHome != null) {
            env.put("VMBOX_HOME", vmboxHome);
        }
        return env;
    }

    @Test
    void plainSudoIsRefusedWithTheExactCommandThatBuildsForTheCaller() {
        VmboxException e = assertThrows(VmboxException.class,
                () -> ImageBuilder.forWhom(sudoEnv(null), true, Path.of("/root/.vmbox")));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("/root/.vmbox") && e.getMessage().contains("alice's vmbox never looks"),
                e.getMessage());
        assertTrue(e.hint().contains("as alice: sudo env VMBOX_HOME=\"${VMBOX_HOME:-$HOME/.vmbox}\" vmbox image build"),
                e.hint());
        assertThrows(VmboxException.class, () -> ImageBuilder.forWhom(sudoEnv(" "), true, Path.of("/root/.vmbox")));
    }

    @Test
    void whoABuildIsFor() {
        assertEquals(Optional.of(new SudoCaller("alice", 4242, 4243)),
                ImageBuilder.forWhom(sudoEnv("/home/alice/.vmbox"), true, Path.of("/home/alice/.vmbox")));
        assertEquals(Optional.empty(), ImageBuilder.forWhom(sudoEnv(null), false, home), "not root: the user's own build");
        assertEquals(Optional.empty(), ImageBuilder.forWhom(Map.of(), true, home), "root logged in as root");
        assertEquals(Optional.empty(), ImageBuilder.forWhom(Map.of("SUDO_USER", "root", "SUDO_UID", "0", "SUDO_GID", "0"),
                true, home), "root through sudo");
        assertEquals(Optional.empty(), SudoCaller.of(Map.of("SUDO_USER", "alice", "SUDO_UID", "x", "SUDO_GID", "1"), true));
    }

    /** The recipe stand-in: writes an image (and a link out of it) where the build was told to. */
    static CommandRunner fakeRecipe(Path outsideTarget) {
        CommandRunner runner = mock(CommandRunner.class);
        when(runner.run(any())).thenAnswer(inv -> {
            Command c = inv.getArgument(0);
            Path out = Path.of(c.argv().get(2));
            Files.createDirectories(out);
            for (String f : List.of("disk.qcow2", "vmlinuz", "initrd.img")) {
                Files.writeString(out.resolve(f), f);
            }
            Files.writeString(out.resolve("cmdline"), "root=LABEL=root ro\n");
            Files.createSymbolicLink(out.resolve("link"), outsideTarget);
            return new CommandResult(c, 0, "", "", Duration.ofSeconds(1), false);
        });
        return runner;
    }

    @Test
    void builtThroughSudoIntoTheCallersHomeEverythingItMadeIsTheCallers() throws Exception {
        assumeTrue(SudoCaller.runningAsRoot(), "handing files to another user needs root");
        Path callerHome = home.resolve("alice/.vmbox");
        Files.createDirectories(callerHome.getParent());
        Path outside = Files.writeString(home.resolve("root-owned"), "not alice's");
        Optional<SudoCaller> owner = ImageBuilder.forWhom(sudoEnv(callerHome.toString()), true, callerHome);
        ImageCache cache = new ImageCache(callerHome, Downloader.create(EventLog.NONE),
                new ContentCache(callerHome.resolve("_cache/downloads")), Map.of(), Duration.ofSeconds(5));

        ResolvedImage image = new ImageBuilder(fakeRecipe(outside), cache, owner).build(Duration.ofMinutes(1));

        for (Path p : List.of(callerHome, callerHome.resolve("_cache"), callerHome.resolve("_cache/images"))) {
            assertEquals(4242, Files.getAttribute(p, "unix:uid"), p.toString());
            assertEquals(4243, Files.getAttribute(p, "unix:gid"), p.toString());
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(p)), "the vmbox home's folders stay 0700: " + p);
        }
        Path folder = image.disk().getParent();
        try (var files = Files.walk(folder)) {
            for (Path p : files.toList()) {
                assertEquals(4242, Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS), p.toString());
            }
        }
        assertEquals(0, Files.getAttribute(outside, "unix:uid"), "a link is handed over, never what it points to");
        assertEquals(0, Files.getAttribute(callerHome.getParent(), "unix:uid"), "a folder that was there keeps its owner");
    }
}
