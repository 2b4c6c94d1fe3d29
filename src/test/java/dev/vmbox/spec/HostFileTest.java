package dev.vmbox.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What vmbox reads from this host must be a regular, readable, non-empty file, judged without opening it. */
class HostFileTest {
    @TempDir
    Path tmp;

    private void refused(Path p, String why) {
        VmboxException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(VmboxException.class, () -> HostFile.require(p, "--model-file")), "never blocks: " + p);
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith("--model-file ") && e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void aRegularFileAndALinkToOnePass() throws IOException {
        Path f = Files.writeString(tmp.resolve("m.gguf"), "GGUF");
        assertEquals(f, HostFile.require(f, "--model-file"));
        Path link = Files.createSymbolicLink(tmp.resolve("current.gguf"), f);
        assertEquals(link, HostFile.require(link, "--model-file"), "the path as given, not where it leads");
    }

    @Test
    void everythingElseIsRefusedWithoutOpeningIt() throws Exception {
        Path fifo = tmp.resolve("pipe.gguf");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0);
        refused(fifo, "is a FIFO (named pipe)");
        refused(Files.createSymbolicLink(tmp.resolve("to-pipe.gguf"), fifo), "is a FIFO");
        refused(Path.of("/dev/zero"), "is a character device");
        refused(Path.of("/proc/self/status"), "kernel's proc file system");
        refused(Files.createDirectories(tmp.resolve("dir.gguf")), "is a folder");
        Files.createSymbolicLink(tmp.resolve("a"), tmp.resolve("b"));
        refused(Files.createSymbolicLink(tmp.resolve("b"), tmp.resolve("a")), "symbolic link that does not lead to a file");
        refused(Files.createSymbolicLink(tmp.resolve("dangling"), tmp.resolve("gone")), "symbolic link to nothing");
        refused(Files.createFile(tmp.resolve("empty.gguf")), "is empty");
        refused(tmp.resolve("missing.gguf"), "does not exist");
        refused(Path.of("/tmp/x.gguf "), "has a space after it");
    }

    @Test
    void aFileTheUserCannotReadIsRefused() throws IOException {
        Path f = Files.writeString(tmp.resolve("secret.gguf"), "GGUF");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        if (Files.isReadable(f)) {
            return; // root reads everything: nothing to refuse
        }
        refused(f, "is not readable by you");
    }
}
