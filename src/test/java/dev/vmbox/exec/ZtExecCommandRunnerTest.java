package dev.vmbox.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.log.EventLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exec layer against real processes. */
class ZtExecCommandRunnerTest {
    private static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private final List<String> debugLines = new ArrayList<>();
    private final EventLog log = new EventLog() {
        @Override
        public void debug(String m) {
            synchronized (debugLines) {
                debugLines.add(m);
            }
        }

        @Override
        public void warn(String m) {
        }

        @Override
        public boolean debugEnabled() {
            return true;
        }
    };
    private final CommandRunner runner = new ZtExecCommandRunner(log, Executables.fromEnvironment(System.getenv()));

    @Test
    void capturesStdoutStderrAndExitCode() {
        CommandResult r = runner.run(Command.of(T, "sh", "-c", "echo out; echo err >&2"));
        assertEquals(0, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
    }

    @Test
    void passesStdinEnvAndWorkDir() {
        CommandResult r = runner.run(Command.of(T, "sh", "-c", "cat; printf %s \"$GREETING\"; pwd")
                .withStdin("from stdin|".getBytes(StandardCharsets.UTF_8))
                .withEnv("GREETING", "hello|")
                .withWorkDir(tmp));
        assertEquals("from stdin|hello|" + real(tmp) + "\n", r.stdout());
    }

    @Test
    void nonZeroExitIsATypedErrorWithTheStderrTail() {
        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> runner.run(Command.of(T, "sh", "-c", "echo line1 >&2; echo 'the real reason' >&2; exit 7")));
        assertEquals(7, e.exitCodeOfCommand());
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("exit code 7"), e.getMessage());
        assertTrue(e.getMessage().contains("the real reason"), e.getMessage());
    }

    @Test
    void acceptedExitCodesReturnNormally() {
        CommandResult r = runner.run(Command.of(T, "sh", "-c", "exit 3").allowExitCodes(3));
        assertEquals(3, r.exitCode());
        assertTrue(r.ok());
    }

    @Test
    void missingProgramIsNotFoundWithAHint() {
        ExecutableNotFoundException e = assertThrows(ExecutableNotFoundException.class,
                () -> runner.run(Command.of(T, "no-such-program-vmbox", "x")));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("no-such-program-vmbox"));
        assertTrue(e.hint() != null && !e.hint().isBlank());
        assertThrows(ExecutableNotFoundException.class, () -> runner.run(Command.of(T, "virsh-missing")));
    }

    @Test
    void timeoutKillsTheWholeProcessTree() throws Exception {
        Path pidFile = tmp.resolve("grandchild.pid");
        long start = System.nanoTime();
        CommandTimeoutException e = assertThrows(CommandTimeoutException.class, () -> runner.run(
                Command.of(Duration.ofMillis(1500), "sh", "-c",
                        "sleep 300 & echo $! > " + pidFile + "; echo started >&2; wait")));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(ExitCode.TIMEOUT, e.exitCode());
        assertTrue(ms < 10_000, "took " + ms + " ms");
        assertTrue(e.getMessage().contains("did not finish within 1.5 s"), e.getMessage());
        long grandchild = Long.parseLong(Files.readString(pidFile).trim());
        boolean gone = false;
        for (int i = 0; i < 100 && !gone; i++) {
            gone = ProcessHandle.of(grandchild).map(h -> !h.isAlive()).orElse(true);
            if (!gone) {
                Thread.sleep(50);
            }
        }
        assertTrue(gone, "grandchild " + grandchild + " still alive after the timeout");
    }

    @Test
    void anInterruptKillsTheCommandAndLeavesTheThreadAbleToCleanUp() throws Exception {
        Path pidFile = tmp.resolve("child.pid");
        Thread me = Thread.currentThread();
        Thread interrupter = new Thread(() -> {
            for (int i = 0; i < 200 && !Files.exists(pidFile); i++) {
                try {
                    Thread.sleep(25);
                } catch (InterruptedException e) {
                    return;
                }
            }
            me.interrupt();
        });
        interrupter.start();
        dev.vmbox.VmboxException e = assertThrows(dev.vmbox.VmboxException.class, () -> runner.run(
                Command.of(Duration.ofSeconds(60), "sh", "-c", "echo $$ > " + pidFile + "; exec sleep 60")));
        interrupter.join();
        assertEquals(ExitCode.INTERRUPTED, e.exitCode());
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the command was killed");
        assertFalse(Thread.currentThread().isInterrupted(), "the flag is clear: cleanup can run commands");
        assertEquals("cleanup ran\n", runner.run(Command.of(T, "echo", "cleanup ran")).stdout());
    }

    @Test
    void hugeOutputIsCappedNotBuffered() {
        long bytes = 200L * 1024 * 1024;
        CommandResult r = runner.run(Command.of(Duration.ofSeconds(60), "sh", "-c",
                "head -c " + bytes + " /dev/zero | tr '\\0' 'x'; echo END"));
        assertTrue(r.truncated());
        assertTrue(r.stdout().length() < ZtExecCommandRunner.STDOUT_HEAD + ZtExecCommandRunner.TAIL + 200);
        assertTrue(r.stdout().endsWith("xEND\n"), "the tail is kept");
        assertTrue(r.stdout().contains("bytes of output not kept"));
    }

    @Test
    void secretsNeverReachTheLogOrTheError() {
        String token = "s3cret-token-value";
        Command c = Command.of(T, "sh", "-c", "echo \"auth failed for $TOKEN\" >&2; exit 1")
                .withEnv("TOKEN", token).withSecrets(List.of(token));
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> runner.run(c));
        assertFalse(e.getMessage().contains(token), e.getMessage());
        assertTrue(e.getMessage().contains("***"));
        assertFalse(c.display().contains(token));
        synchronized (debugLines) {
            assertFalse(debugLines.isEmpty());
            debugLines.forEach(l -> assertFalse(l.contains(token), l));
        }
    }

    @Test
    void commandsRequireAPositiveTimeoutAndClean_argv() {
        assertThrows(NullPointerException.class, () -> Command.of(null, "true"));
        assertThrows(IllegalArgumentException.class, () -> Command.of(Duration.ZERO, "true"));
        assertThrows(IllegalArgumentException.class, () -> Command.of(T, "echo", "a\0b"));
        assertEquals("echo 'it'\\''s' plain", Command.of(T, "echo", "it's", "plain").display());
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
