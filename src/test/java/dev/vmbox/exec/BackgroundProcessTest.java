package dev.vmbox.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class BackgroundProcessTest {
    static final Executables EXEC = Executables.fromEnvironment(System.getenv());

    @TempDir
    Path tmp;

    @Test
    void runsLogsAndStopsWithDescendants() throws Exception {
        Path log = tmp.resolve("out.log");
        try (BackgroundProcess p = BackgroundProcess.start(List.of("sh", "-c", "echo started; sleep 30 & wait"), Map.of(), log, EXEC)) {
            assertTrue(p.isAlive());
            assertNull(p.waitFor(Duration.ofMillis(200)));
            List<ProcessHandle> kids = ProcessHandle.of(p.pid()).orElseThrow().descendants().toList();
            p.stop(Duration.ofSeconds(2));
            assertFalse(p.isAlive());
            for (ProcessHandle k : kids) {
                k.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
                assertFalse(k.isAlive(), "descendant stopped too");
            }
        }
        assertTrue(Files.readString(log).contains("started"));
    }

    @Test
    void reportsExitCode() {
        try (BackgroundProcess p = BackgroundProcess.start(List.of("sh", "-c", "exit 4"), Map.of(), tmp.resolve("l"), EXEC)) {
            assertEquals(4, p.waitFor(Duration.ofSeconds(10)));
        }
    }

    @Test
    void missingProgramIsNotFound() {
        assertThrows(ExecutableNotFoundException.class,
                () -> BackgroundProcess.start(List.of("no-such-program-vmbox"), Map.of(), tmp.resolve("l"), EXEC));
        assertThrows(ExecutableNotFoundException.class,
                () -> new DetachedLauncher(EXEC).launch(List.of("no-such-program-vmbox"), Map.of(), tmp, tmp.resolve("l")));
    }

    @Test
    void detachedProcessGetsItsOwnSession() throws Exception {
        long pid = new DetachedLauncher(EXEC).launch(List.of("sleep", "20"), Map.of(), tmp, tmp.resolve("d.log"));
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
        try {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!Files.readString(Path.of("/proc/" + pid + "/comm")).strip().equals("sleep") && System.nanoTime() < deadline) {
                Thread.sleep(10); // setsid has not exec'd the program yet
            }
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertEquals(Long.toString(pid), f[3], "session leader");
        } finally {
            h.destroyForcibly();
            h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
