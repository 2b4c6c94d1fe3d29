package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.image.ImageBuilder;
import dev.vmbox.image.SudoCaller;
import dev.vmbox.testing.CliHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vmbox image build} through the real CLI. */
class ImageCommandTest {
    @TempDir
    Path tmp;

    @Test
    void plainSudoImageBuildIsRefusedBeforeAnythingIsWrittenAndSaysWhatToRun() {
        assumeTrue(SudoCaller.runningAsRoot(), "sudo runs vmbox as root");
        Path rootsImages = Path.of(System.getProperty("user.home"), ".vmbox", "_cache", "images");
        boolean existed = Files.exists(rootsImages);
        CliHarness.Result r = new CliHarness(tmp.resolve("home"))
                .env("VMBOX_HOME", "")
                .env("SUDO_USER", "alice").env("SUDO_UID", "4242").env("SUDO_GID", "4243")
                .run("image", "build");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("alice's vmbox never looks"), r.toString());
        assertTrue(r.err().contains("hint: run, as alice: " + ImageBuilder.BUILD_COMMAND), r.toString());
        assertEquals(existed, Files.exists(rootsImages), "nothing was made in root's home");
    }

    @Test
    void helpTellsAUserTheCommandToRun() {
        CliHarness.Result r = new CliHarness(tmp.resolve("home")).run("image", "build", "--help");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().replaceAll("\\s+", " ").contains(ImageBuilder.BUILD_COMMAND), r.out());
    }
}
