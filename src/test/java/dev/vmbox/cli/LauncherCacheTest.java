package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.testing.E2ePrerequisites;
import dev.vmbox.testing.FakeBin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/vmbox keeps its class-data archive only in a cache folder of the user's own and never in a shared one:
 * run against a fake java that records how it was started (and writes the archive a training run asks for).
 */
class LauncherCacheTest {
    @TempDir
    Path tmp;
    Path log;
    Path jar;
    Path java;
    Path home;

    @BeforeEach
    void setUp() throws IOException {
        log = tmp.resolve("java-calls.log");
        jar = Files.writeString(tmp.resolve("vmbox.jar"), "not a jar: the fake java never reads it");
        java = new FakeBin(tmp.resolve("jdk/bin")).script("java", ""
                + "for a in \"$@\"; do case \"$a\" in -XX:ArchiveClassesAtExit=*) echo archive > \"${a#*=}\";; esac; done\n"
                + "printf '%s\\n' \"$*\" >> '" + log + "'").dir().resolve("java");
        home = Files.createDirectories(tmp.resolve("home"));
    }

    @Test
    void aFreshHomeGetsAPrivateCacheWhoseArchiveIsUsed() throws Exception {
        Run r = launch(Map.of("HOME", home.toString()));
        Path cache = home.resolve(".cache/vmbox");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
        List<String> calls = calls();
        assertEquals(2, calls.size(), "one training run, then the command: " + calls);
        assertTrue(calls.get(0).contains("-XX:ArchiveClassesAtExit=" + cache + "/vmbox-"), calls.get(0));
        assertTrue(calls.get(1).contains("-XX:SharedArchiveFile=" + cache + "/vmbox-"), calls.get(1));
        assertTrue(calls.get(1).endsWith("-jar " + jar + " list"), calls.get(1));
        assertTrue(r.err().contains("using the class-data archive"), r.err());

        Files.delete(log);
        launch(Map.of("HOME", home.toString()));
        assertEquals(1, calls().size(), "the archive is made once: " + calls());
        assertTrue(calls().get(0).contains("-XX:SharedArchiveFile="), calls().toString());
    }

    @Test
    void xdgCacheHomeIsUsedWhenSet() throws Exception {
        Path xdg = Files.createDirectories(tmp.resolve("xdg"));
        launch(Map.of("HOME", home.toString(), "XDG_CACHE_HOME", xdg.toString()));
        assertTrue(Files.isDirectory(xdg.resolve("vmbox")));
        assertFalse(Files.exists(home.resolve(".cache")));
        assertTrue(calls().get(1).contains("-XX:SharedArchiveFile=" + xdg.resolve("vmbox")), calls().toString());
    }

    @Test
    void withoutHomeThereIsNoArchiveAndNothingIsWrittenToTmp() throws Exception {
        Path tmpdir = Files.createDirectories(tmp.resolve("tmpdir"));
        Run r = launch(Map.of("TMPDIR", tmpdir.toString()));
        assertEquals(List.of("-XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xshare:auto -jar " + jar + " list"), calls());
        assertTrue(r.err().contains("no HOME or XDG_CACHE_HOME"), r.err());
        try (Stream<Path> s = Files.list(tmpdir)) {
            assertEquals(0, s.count(), "nothing in TMPDIR");
        }
        assertFalse(Files.exists(Path.of("/tmp/.cache/vmbox")) && isRecent(Path.of("/tmp/.cache/vmbox")),
                "the old /tmp fallback is gone");
    }

    @Test
    void aWorldWritableCacheIsNeverUsed() throws Exception {
        Path cache = Files.createDirectories(home.resolve(".cache/vmbox"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path planted = plantArchive(cache);
        Run r = launch(Map.of("HOME", home.toString()));
        assertNoArchive(r, "others can write to it");
        assertEquals("archive\n", Files.readString(planted), "a planted archive is left alone, never used");
        assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
    }

    @Test
    void aGroupWritableCacheIsNeverUsed() throws Exception {
        Path cache = Files.createDirectories(home.resolve(".cache/vmbox"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwx---"));
        plantArchive(cache);
        assertNoArchive(launch(Map.of("HOME", home.toString())), "others can write to it");
    }

    @Test
    void aCacheOfOurOwnThatOnlyWeCanWriteIsTightenedTo0700() throws Exception {
        Path cache = Files.createDirectories(home.resolve(".cache/vmbox"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxr-xr-x"));
        launch(Map.of("HOME", home.toString()));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
        assertTrue(calls().get(calls().size() - 1).contains("-XX:SharedArchiveFile="), calls().toString());
    }

    @Test
    void aSymlinkedCacheIsNeverUsed() throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(home.resolve(".cache"));
        Files.createSymbolicLink(home.resolve(".cache/vmbox"), elsewhere);
        plantArchive(elsewhere);
        assertNoArchive(launch(Map.of("HOME", home.toString())), "not a folder");
    }

    @Test
    void aCacheOfAnotherUserIsNeverUsed() throws Exception {
        UserPrincipal nobody = otherUser();
        Path cache = Files.createDirectories(home.resolve(".cache/vmbox"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwx------"));
        plantArchive(cache);
        Files.setOwner(cache, nobody);
        assertNoArchive(launch(Map.of("HOME", home.toString())), "belongs to another user");
    }

    @Test
    void anArchiveOfAnotherUserInOurCacheIsNeverUsed() throws Exception {
        UserPrincipal nobody = otherUser();
        launch(Map.of("HOME", home.toString())); // makes the cache and the archive
        Path archive;
        try (Stream<Path> s = Files.list(home.resolve(".cache/vmbox"))) {
            archive = s.filter(p -> p.toString().endsWith(".jsa")).findFirst().orElseThrow();
        }
        Files.setOwner(archive, nobody);
        Files.delete(log);
        launch(Map.of("HOME", home.toString()));
        assertFalse(String.join("\n", calls()).contains("-XX:SharedArchiveFile="), calls().toString());
    }

    private void assertNoArchive(Run r, String reason) throws IOException {
        List<String> calls = calls();
        assertEquals(1, calls.size(), "no training run: " + calls);
        assertFalse(calls.get(0).contains("SharedArchiveFile") || calls.get(0).contains("ArchiveClassesAtExit"), calls.get(0));
        assertTrue(r.err().contains(reason), r.err());
    }

    private static Path plantArchive(Path dir) throws IOException {
        return Files.writeString(dir.resolve("vmbox-1-2.jsa"), "archive\n");
    }

    private static boolean isRecent(Path p) throws IOException {
        return Files.getLastModifiedTime(p).toMillis() > System.currentTimeMillis() - 60_000;
    }

    private static UserPrincipal otherUser() throws IOException {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "giving a folder to another user needs root");
        return Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    }

    private List<String> calls() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    record Run(int code, String err) {
    }

    private Run launch(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", E2ePrerequisites.repo().resolve("scripts/vmbox").toString(), "list");
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("VMBOX_JAR", jar.toString());
        pb.environment().put("VMBOX_JAVA", java.toString());
        pb.environment().put("VMBOX_DEBUG", "1");
        pb.environment().putAll(env);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(err, StandardCharsets.UTF_8));
        return new Run(p.exitValue(), new String(err, StandardCharsets.UTF_8));
    }
}
