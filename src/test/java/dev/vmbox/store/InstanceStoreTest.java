package dev.vmbox.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceStoreTest {
    @TempDir
    Path tmp;

    private InstanceStore store() {
        return new InstanceStore(new VmboxHome(tmp.resolve("home")));
    }

    private static InstanceRecord record(String name) {
        return new InstanceRecord(InstanceRecord.SCHEMA, name, "libvirt", Map.of("uri", "qemu:///system"),
                InstanceRecord.Phase.READY, null, Instant.parse("2026-11-23T10:00:00Z"), "0.1.0",
                Map.of("runtime", "ollama", "model", "qwen2.5:0.5b", "counter", "0"));
    }

    @Test
    void writesPrivateFoldersAndFilesAndReadsBack() throws Exception {
        InstanceStore s = store();
        s.create(record("llm"));
        Path home = tmp.resolve("home");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("llm"))));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(home.resolve("llm").resolve(FileNames.INSTANCE_RECORD))));
        InstanceRecord back = s.read("llm");
        assertEquals(record("llm"), back);
        try (var files = Files.list(home.resolve("llm"))) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp file left");
        }
    }

    @Test
    void tightensAnExistingLooseHome() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        store().create(record("a"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
    }

    @Test
    void createRefusesAnExistingInstance() {
        InstanceStore s = store();
        s.create(record("llm"));
        VmboxException e = assertThrows(VmboxException.class, () -> s.create(record("llm")));
        assertEquals(ExitCode.IN_USE, e.exitCode(), "a taken name");
    }

    @Test
    void missingIsNotFound() {
        VmboxException e = assertThrows(VmboxException.class, () -> store().read("nope"));
        assertEquals(ExitCode.NOT_FOUND, e.exitCode());
    }

    @Test
    void badNamesAreRejectedBeforeTouchingTheDisk() {
        for (String bad : List.of("../etc", "_config", "A", "x y", "a\nb", "-a", "a-", "")) {
            VmboxException e = assertThrows(VmboxException.class, () -> store().read(bad), bad);
            assertEquals(ExitCode.BAD_INPUT, e.exitCode(), bad);
        }
        assertFalse(Files.exists(tmp.resolve("etc")));
    }

    @Test
    void corruptRecordsAreListedAsErrorsAndNeverHideOthers() throws Exception {
        InstanceStore s = store();
        s.create(record("good"));
        Path home = tmp.resolve("home");
        Files.createDirectories(home.resolve("garbled"));
        Files.writeString(home.resolve("garbled").resolve(FileNames.INSTANCE_RECORD), "{\"name\": \"garbled\", ");
        Files.createDirectories(home.resolve("empty"));
        Files.writeString(home.resolve("empty").resolve(FileNames.INSTANCE_RECORD), "");
        Files.createDirectories(home.resolve("wrongname"));
        Files.writeString(home.resolve("wrongname").resolve(FileNames.INSTANCE_RECORD),
                "{\"schema\":1,\"name\":\"other\",\"provider\":\"libvirt\"}");
        Files.createDirectories(home.resolve("half"));
        Files.createDirectories(home.resolve("_cache"));
        Files.writeString(home.resolve("stray-file"), "x");

        List<InstanceStore.Entry> entries = s.list();
        assertEquals(List.of("empty", "garbled", "good", "half", "wrongname"),
                entries.stream().map(InstanceStore.Entry::name).toList());
        for (InstanceStore.Entry e : entries) {
            if (e.name().equals("good")) {
                assertTrue(e.readable());
                assertNull(e.error());
            } else {
                assertFalse(e.readable(), e.name());
                assertTrue(e.error() != null && !e.error().isBlank(), e.name());
            }
        }
        assertTrue(entries.get(1).error().contains("not valid JSON"), entries.get(1).error());
        VmboxException e = assertThrows(VmboxException.class, () -> s.read("garbled"));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.hint().contains("vmbox delete garbled"));
    }

    @Test
    void oversizedRecordIsRefusedWithoutReadingIt() throws Exception {
        Path dir = tmp.resolve("home").resolve("big");
        Files.createDirectories(dir);
        Files.write(dir.resolve(FileNames.INSTANCE_RECORD), new byte[2 * 1024 * 1024]);
        VmboxException e = assertThrows(VmboxException.class, () -> store().read("big"));
        assertTrue(e.getMessage().contains("far larger"), e.getMessage());
    }

    @Test
    void concurrentThreadsNeverLoseAnUpdate() throws Exception {
        InstanceStore s = store();
        s.create(record("llm"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            fs.add(pool.submit(() -> {
                for (int j = 0; j < 25; j++) {
                    LockHammer.increment(s, "llm");
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals("200", s.read("llm").settings().get("counter"));
    }

    @Test
    void concurrentProcessesNeverLoseAnUpdate() throws Exception {
        InstanceStore s = store();
        s.create(record("llm"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ps.add(new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    LockHammer.class.getName(), tmp.resolve("home").toString(), "llm", "30")
                    .redirectErrorStream(true).start());
        }
        for (Process p : ps) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "hammer process did not finish");
            assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        }
        assertEquals("90", s.read("llm").settings().get("counter"));
    }

    @Test
    void aHeldLockMakesOthersWaitThenGiveUpClearly() throws Exception {
        InstanceStore s = store();
        s.create(record("llm"));
        try (InstanceLock held = s.lock("llm", Duration.ofSeconds(1))) {
            Future<VmboxException> other = Executors.newSingleThreadExecutor().submit(() ->
                    assertThrows(VmboxException.class, () -> s.lock("llm", Duration.ofMillis(300))));
            VmboxException e = other.get(10, TimeUnit.SECONDS);
            assertTrue(e.getMessage().contains("busy"), e.getMessage());
            assertEquals(dev.vmbox.ExitCode.IN_USE, e.exitCode());
        }
        try (InstanceLock again = s.lock("llm", Duration.ofSeconds(1))) {
            assertTrue(again != null);
        }
    }

    @Test
    void deleteRemovesEverythingButNeverFollowsSymlinks() throws Exception {
        InstanceStore s = store();
        s.create(record("llm"));
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        Files.writeString(outside.resolve("keep.txt"), "precious");
        Files.createSymbolicLink(tmp.resolve("home/llm/link"), outside);
        s.deleteFolder("llm");
        assertFalse(Files.exists(tmp.resolve("home/llm")));
        assertEquals("precious", Files.readString(outside.resolve("keep.txt")));
    }

    @Test
    void lockingAnInstanceThatDoesNotExistCreatesNothing() {
        InstanceStore s = store();
        VmboxException e = assertThrows(VmboxException.class, () -> s.lock("ghost", Duration.ofSeconds(1)));
        assertEquals(ExitCode.NOT_FOUND, e.exitCode());
        assertFalse(Files.exists(tmp.resolve("home").resolve("ghost")));
    }
}
