package dev.vmbox.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.log.EventLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder's wiring; the recipe itself runs for real in scripts/build-test-image and the e2e test. */
class ImageBuilderTest {
    @TempDir
    Path home;

    ImageCache cache() {
        return new ImageCache(home, new ImageDownloader(ImageDownloader.defaultClient(), EventLog.NONE), Map.of(),
                Duration.ofSeconds(5));
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
}
