package dev.vmbox.wait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PollTest {
    @Test
    void returnsTheFirstReadyAnswerAndReportsEachWait() {
        AtomicInteger tries = new AtomicInteger();
        List<String> seen = new ArrayList<>();
        String got = Poll.until("the thing", () -> {
            if (tries.incrementAndGet() < 3) {
                throw new NotReady("try " + tries.get());
            }
            return "ready";
        }).every(Duration.ofMillis(1)).onWait((s, waited) -> seen.add(s)).await(Duration.ofSeconds(5));
        assertEquals("ready", got);
        assertEquals(List.of("try 1", "try 2"), seen);
    }

    @Test
    void timesOutNamingWhatAndTheLastThingSeen() {
        VmboxException e = assertThrows(VmboxException.class, () -> Poll.until("SSH", () -> {
            throw new NotReady("connection refused");
        }).every(Duration.ofMillis(5)).timeoutHint("give it longer").await(Duration.ofMillis(50)));
        assertEquals(ExitCode.TIMEOUT, e.exitCode());
        assertTrue(e.getMessage().startsWith("SSH did not answer within 0 s (last: connection refused)"), e.getMessage());
        assertEquals("give it longer", e.hint());
    }

    @Test
    void aDeadTargetEndsTheWaitAtOnce() {
        VmboxException died = new VmboxException(ExitCode.FAILED, "the VM is shut off", null);
        AtomicInteger tries = new AtomicInteger();
        VmboxException e = assertThrows(VmboxException.class, () -> Poll.until("SSH", () -> {
            tries.incrementAndGet();
            throw new NotReady("refused");
        }).every(Duration.ofMillis(1)).aliveWhile(() -> {
            throw died;
        }).await(Duration.ofMinutes(1)));
        assertSame(died, e);
        assertEquals(1, tries.get());
    }

    @Test
    void anyOtherFailureOfAnAttemptEndsTheWait() {
        VmboxException mismatch = new VmboxException(ExitCode.SECURITY, "host key mismatch", null);
        assertSame(mismatch, assertThrows(VmboxException.class, () -> Poll.until("SSH", () -> {
            throw mismatch;
        }).await(Duration.ofMinutes(1))));
    }

    @Test
    void aCustomTimeoutKeepsTheLastSeenAndTakesItsCode() {
        VmboxException e = assertThrows(VmboxException.class, () -> Poll.until("the lock", () -> {
            throw new NotReady("held by pid 42");
        }).every(Duration.ofMillis(5)).onTimeout(ExitCode.NOT_FOUND, "instance 'a' is busy")
                .await(Duration.ofMillis(30)));
        assertEquals(ExitCode.NOT_FOUND, e.exitCode());
        assertEquals("instance 'a' is busy (last: held by pid 42)", e.getMessage());
    }

    @Test
    void anInterruptEndsTheWaitAsInterruptedWithTheFlagClear() {
        Thread.currentThread().interrupt();
        VmboxException e = assertThrows(VmboxException.class, () -> Poll.until("x", () -> {
            throw new NotReady("no");
        }).every(Duration.ofSeconds(5)).await(Duration.ofMinutes(1)));
        assertEquals(ExitCode.INTERRUPTED, e.exitCode());
        assertTrue(!Thread.currentThread().isInterrupted());
    }

    @Test
    void deadlineRemainingIsCappedAndFailsOnceSpent() throws Exception {
        Deadline d = Deadline.in(Duration.ofMillis(30));
        assertEquals(Duration.ofMillis(1), d.remaining("step", Duration.ofMillis(1)));
        Thread.sleep(40);
        assertTrue(d.expired());
        assertEquals(Duration.ZERO, d.left());
        VmboxException e = assertThrows(VmboxException.class, () -> d.remaining("step 'ssh'"));
        assertEquals(ExitCode.TIMEOUT, e.exitCode());
        assertTrue(e.getMessage().contains("step 'ssh'"));
    }
}
