package dev.vmbox.app.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.app.tunnel.http.RuntimeStandIn;
import dev.vmbox.testing.LocalSshd;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: the tunnel under restarts, with load. A client makes requests in a loop through the endpoint (bounded in
 * count and time, loopback only) while sshd is killed by pid and started again on the same port, several times.
 * The tunnel comes back by itself; the test prints the time to recovery and the requests that failed during and
 * after each restart; after recovery none fail.
 */
@Timeout(180)
class TunnelRecoveryTest {
    static final int RESTARTS = 4;
    static final int MAX_REQUESTS = 20_000;

    @TempDir
    Path tmp;

    record Call(long startNanos, long endNanos, boolean ok) {
    }

    @Test
    void theTunnelComesBackByItselfAndNothingFailsAfterRecovery() throws Exception {
        try (LocalSshd sshd = LocalSshd.start(tmp); RuntimeStandIn runtime = new RuntimeStandIn();
             AgentFixture agent = AgentFixture.start(tmp.resolve("home"))) {
            TunnelSettings s = AgentFixture.settings("load", sshd.target(), runtime.port());
            agent.start(s);
            String key = agent.key("load");
            List<Call> calls = new CopyOnWriteArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            Thread client = new Thread(() -> {
                while (calls.size() < MAX_REQUESTS && System.nanoTime() < end && !Thread.currentThread().isInterrupted()) {
                    long t0 = System.nanoTime();
                    boolean ok;
                    try {
                        ok = HttpCall.get(s.port(), "/api/tags", key, Map.of()).status() == 200;
                    } catch (Exception e) {
                        ok = false;
                    }
                    calls.add(new Call(t0, System.nanoTime(), ok));
                    if (!ok) {
                        AgentFixture.sleep(20);
                    }
                }
            }, "load");
            client.start();
            Thread.sleep(1000);
            List<long[]> restarts = new ArrayList<>(); // {killed, recovered}
            for (int i = 0; i < RESTARTS; i++) {
                sshd.stop(); // by pid: sshd and its sessions, as a guest's sshd restart does
                long killed = System.nanoTime();
                sshd.restart(); // a new sshd on the same port
                long recovered = awaitSuccessAfter(calls, killed, Duration.ofSeconds(30));
                restarts.add(new long[] {killed, recovered});
                Thread.sleep(1500);
            }
            Thread.sleep(1000);
            client.interrupt();
            client.join(30_000);

            int failedAfterRecovery = 0;
            System.out.printf(Locale.ROOT, "tunnel under load, sshd killed and restarted %d times (%d requests in all)%n",
                    RESTARTS, calls.size());
            for (int i = 0; i < restarts.size(); i++) {
                long killed = restarts.get(i)[0];
                long recovered = restarts.get(i)[1];
                long next = i + 1 < restarts.size() ? restarts.get(i + 1)[0] : Long.MAX_VALUE;
                int during = 0;
                int after = 0;
                int okAfter = 0;
                for (Call c : calls) {
                    if (c.endNanos() >= killed && c.startNanos() < recovered && !c.ok()) {
                        during++;
                    } else if (c.startNanos() >= recovered && c.endNanos() < next) {
                        if (c.ok()) {
                            okAfter++;
                        } else {
                            after++;
                        }
                    }
                }
                failedAfterRecovery += after;
                System.out.printf(Locale.ROOT, "  restart %d: recovered in %d ms; %d requests failed during, %d failed after "
                        + "(%d succeeded after)%n", i + 1, (recovered - killed) / 1_000_000, during, after, okAfter);
            }
            assertEquals(0, failedAfterRecovery, "requests failed after the tunnel was back");
            assertTrue(agent.status("load").restarts() >= RESTARTS, agent.status("load").describe());
            agent.stop("load");
        }
    }

    /** When the first request that started after {@code since} came back with an answer. */
    static long awaitSuccessAfter(List<Call> calls, long since, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Call c : calls) {
                if (c.ok() && c.startNanos() > since) {
                    return c.endNanos();
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the tunnel did not recover within " + timeout);
    }
}
