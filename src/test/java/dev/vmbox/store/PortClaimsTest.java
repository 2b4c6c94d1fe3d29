package dev.vmbox.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API ports claimed by creates under way: checked and claimed under one lock, held until the create ends. */
class PortClaimsTest {
    @TempDir
    Path tmp;

    @Test
    void aPortClaimedByACreateUnderWayIsInUseForAnother() {
        PortClaims claims = new PortClaims(new VmboxHome(tmp.resolve("home")));
        claims.claim("127.0.0.1", 11434, "first", () -> { });
        VmboxException e = assertThrows(VmboxException.class, () -> claims.claim("127.0.0.1", 11434, "second", () -> { }));
        assertEquals(ExitCode.IN_USE, e.exitCode());
        assertTrue(e.getMessage().contains("port 11434 on 127.0.0.1 is taken by the create of 'first'"), e.getMessage());
        claims.claim("127.0.0.1", 11435, "second", () -> { });
        claims.claim("::1", 11434, "second", () -> { });

        claims.release("first");
        claims.claim("127.0.0.1", 11434, "second", () -> { });
    }

    @Test
    void aPortTakenByAnotherProgramFailsTheCheckAndIsNotClaimed() {
        PortClaims claims = new PortClaims(new VmboxHome(tmp.resolve("home")));
        VmboxException taken = new VmboxException(ExitCode.IN_USE, "port 11434 on 127.0.0.1 is already in use", "x");
        assertEquals(taken, assertThrows(VmboxException.class, () -> claims.claim("127.0.0.1", 11434, "a", () -> {
            throw taken;
        })));
        claims.claim("127.0.0.1", 11434, "b", () -> { });
    }

    @Test
    void theClaimOfACreateThatDiedIsTakenOver() throws Exception {
        VmboxHome home = new VmboxHome(tmp.resolve("home"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path dir = Files.createDirectories(home.root().resolve(FileNames.PORT_CLAIMS_DIR));
        Files.writeString(dir.resolve("127.0.0.1_11434.json"), "{\"instance\":\"killed\",\"pid\":" + gone.pid()
                + ",\"started\":\"2020-01-01T00:00:00Z\"}");
        new PortClaims(home).claim("127.0.0.1", 11434, "next", () -> { });
    }

    /** Two creates started together on one port: exactly one gets it, and only one test bind happens. */
    @Test
    void twoCreatesStartedTogetherDoNotBothPassNorFailEachOther() throws Exception {
        PortClaims claims = new PortClaims(new VmboxHome(tmp.resolve("home")));
        AtomicInteger checks = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (String name : List.of("a", "b")) {
                Callable<String> create = () -> {
                    go.await();
                    try {
                        claims.claim("127.0.0.1", 11434, name, checks::incrementAndGet);
                        return "claimed";
                    } catch (VmboxException e) {
                        return e.exitCode() + " " + e.getMessage();
                    }
                };
                results.add(pool.submit(create));
            }
            go.countDown();
            List<String> outcomes = new ArrayList<>();
            for (Future<String> f : results) {
                outcomes.add(f.get());
            }
            assertEquals(1, outcomes.stream().filter("claimed"::equals).count(), outcomes.toString());
            assertTrue(outcomes.stream().anyMatch(o -> o.startsWith("IN_USE port 11434 on 127.0.0.1 is taken by the create of")),
                    outcomes.toString());
            assertEquals(1, checks.get(), "the loser never probed the port");
        } finally {
            pool.shutdownNow();
        }
    }
}
