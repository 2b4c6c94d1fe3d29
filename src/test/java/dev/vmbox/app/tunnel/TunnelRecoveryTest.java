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
 * count and time, loopback only) while sshd is killed by pid and started again on the same port (at once, and after 3 s
 * down as in a guest reboot), and while the tunnel's own ssh is killed with SIGKILL, several times each. The tunnel
 * comes back by itself; the test prints the time to recovery and the requests that failed during and after each
 * fault (also into target/faults/tunnel-recovery.md); after recovery none fail.
 */
@Timeout(240)
class TunnelRecoveryTest {
    static final int RESTARTS = 4;
    static final int MAX_REQUESTS = 20_000;

    @TempDir
    Path tmp;

    record Call(long startNanos, long endNanos, boolean ok) {
    }

    /**
     * One disruption of the tunnel's path, done to the running sshd ({@code sshd}) or the tunnel's own ssh; returns when
     * (System.nanoTime) the path was broken: recovery is measured from there.
     */
    interface Fault {
        long inject(LocalSshd sshd, AgentFixture agent) throws Exception;
    }

    /** The faults, each a few times under the same load: what kind, how often, and how to do it. */
    record Kind(String name, int times, Fault fault) {
    }

    static final List<Kind> KINDS = List.of(
            // the guest's sshd restarts: killed by pid with its sessions, and a new one on the same port at once
            new Kind("sshd killed and restarted", RESTARTS, (sshd, agent) -> {
                sshd.stop();
                long broken = System.nanoTime();
                sshd.restart();
                return broken;
            }),
            // the guest reboots: sshd is gone for 3 s (connections refused), then back on the same port
            new Kind("sshd down 3 s (a guest reboot)", 2, (sshd, agent) -> {
                sshd.stop();
                long broken = System.nanoTime();
                Thread.sleep(3000);
                sshd.restart();
                return broken;
            }),
            // the tunnel's own ssh client is killed with SIGKILL (by its pid, from the tunnel's state)
            new Kind("the tunnel's ssh killed (SIGKILL)", 2, (sshd, agent) -> {
                long pid = TunnelState.read(agent.stateDir("load")).orElseThrow().sshPid();
                assertTrue(pid > 0, "no ssh pid in the tunnel's state");
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.destroyForcibly();
                    h.onExit().join();
                });
                return System.nanoTime();
            }));

    @Test
    void theTunnelComesBackByItselfAndNothingFailsAfterRecovery() throws Exception {
        try (LocalSshd sshd = LocalSshd.start(tmp); RuntimeStandIn runtime = new RuntimeStandIn();
             AgentFixture agent = AgentFixture.start(tmp.resolve("home"))) {
            TunnelSettings s = AgentFixture.settings("load", sshd.target(), runtime.port());
            agent.start(s);
            String key = agent.key("load");
            List<Call> calls = new CopyOnWriteArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
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
            List<long[]> restarts = new ArrayList<>(); // {path broken, recovered, fault begun}
            List<String> labels = new ArrayList<>();
            for (Kind kind : KINDS) {
                for (int i = 0; i < kind.times(); i++) {
                    long begun = System.nanoTime();
                    long killed = kind.fault().inject(sshd, agent);
                    long recovered = awaitSuccessAfter(calls, killed, Duration.ofSeconds(30));
                    restarts.add(new long[] {killed, recovered, begun});
                    labels.add(kind.name());
                    Thread.sleep(1500);
                }
            }
            Thread.sleep(1000);
            client.interrupt();
            client.join(30_000);

            int failedAfterRecovery = 0;
            StringBuilder table = new StringBuilder("| fault | recovered in | failed during | failed after (succeeded after) |\n"
                    + "|---|---|---|---|\n");
            System.out.printf(Locale.ROOT, "tunnel under load: %d faults (%d requests in all)%n", restarts.size(), calls.size());
            for (int i = 0; i < restarts.size(); i++) {
                long killed = restarts.get(i)[0];
                long recovered = restarts.get(i)[1];
                // "after" ends where the next fault begins (a request it breaks may end before that fault's path is broken)
                long next = i + 1 < restarts.size() ? restarts.get(i + 1)[2] : Long.MAX_VALUE;
                int during = 0;
                int after = 0;
                int okAfter = 0;
                for (Call c : calls) {
                    if (c.endNanos() >= restarts.get(i)[2] && c.startNanos() < recovered && !c.ok()) {
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
                System.out.printf(Locale.ROOT, "  %d. %s: recovered in %d ms; %d requests failed during, %d failed after "
                        + "(%d succeeded after)%n", i + 1, labels.get(i), (recovered - killed) / 1_000_000, during, after, okAfter);
                table.append(String.format(Locale.ROOT, "| %s | %.2f s | %d | %d (%d) |%n", labels.get(i),
                        (recovered - killed) / 1e9, during, after, okAfter));
            }
            Path out = Path.of(System.getProperty("vmbox.repo", ".")).resolve("target/faults");
            java.nio.file.Files.createDirectories(out);
            java.nio.file.Files.writeString(out.resolve("tunnel-recovery.md"), table.toString());
            assertEquals(0, failedAfterRecovery, "requests failed after the tunnel was back");
            assertTrue(agent.status("load").restarts() >= restarts.size(), agent.status("load").describe());
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
