package dev.vmbox.app.tunnel;

import dev.vmbox.exec.BackgroundProcess;
import dev.vmbox.exec.Executables;
import dev.vmbox.ssh.JschBuiltinForward;
import dev.vmbox.ssh.PinnedHostKey;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.testing.LocalSshd;
import dev.vmbox.app.tunnel.http.RuntimeStandIn;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.ApiKeys;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark (not a test; run by scripts/bench-tunnel): the same stand-in HTTP runtime reached directly, through
 * {@code ssh -L}, through vmbox's endpoint (the agent's relay, which checks every request, and its ssh), and
 * through JSch's built-in forwarder, all over one real sshd on 127.0.0.1. Prints bulk MB/s, 200-byte round trip
 * p50/p99 (chunks echoed on one kept request), new-connection time p50/p99 (connect, GET /health, first byte)
 * and the delay other clients see while one client has stopped reading an endless answer.
 */
public final class TunnelBench {
    static final int BULK_BYTES = Integer.getInteger("bench.bulkMiB", 256) * 1024 * 1024;
    static final int RTT_N = Integer.getInteger("bench.rtt", 2000);
    static final int CONN_N = Integer.getInteger("bench.conn", 200);
    static final long STALL_CAP_MS = 3000;

    private TunnelBench() {
    }

    public static void main(String[] args) throws Exception {
        Path tmp = Files.createTempDirectory("vmbox-bench-");
        Executables exec = Executables.fromEnvironment(System.getenv());
        Map<String, Integer> ports = new LinkedHashMap<>();
        List<AutoCloseable> open = new ArrayList<>();
        try (LocalSshd sshd = LocalSshd.start(tmp); RuntimeStandIn backend = new RuntimeStandIn()) {
            SshTarget target = sshd.target();
            ports.put("direct", backend.port());

            int sshPort = LocalSshd.freePort();
            Path kh = tmp.resolve("known_hosts");
            Files.writeString(kh, "[127.0.0.1]:" + sshd.port() + " " + PinnedHostKey.parse(sshd.hostPublicKey()).toOpenSsh() + "\n");
            List<String> plain = List.of("ssh", "-F", "none", "-N", "-i", sshd.clientKey().toString(), "-p",
                    Integer.toString(sshd.port()), "-o", "UserKnownHostsFile=" + kh, "-o", "StrictHostKeyChecking=yes",
                    "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
                    "-L", "127.0.0.1:" + sshPort + ":127.0.0.1:" + backend.port(), sshd.user() + "@127.0.0.1");
            open.add(BackgroundProcess.start(plain, Map.of(), tmp.resolve("ssh-L.log"), exec));
            awaitPort(sshPort);
            ports.put("ssh -L", sshPort);

            Path home = tmp.resolve("home");
            TunnelAgent agent = new TunnelAgent(home, exec, true);
            Thread t = new Thread(agent::run, "agent");
            t.setDaemon(true);
            t.start();
            open.add(() -> {
                agent.requestStop();
                t.join(20_000);
            });
            TunnelSettings settings = TunnelSettings.loopback("bench", target, LocalSshd.freePort(), backend.port(),
                    RuntimeKind.OLLAMA, null);
            Path state = home.resolve("bench").resolve("tunnel");
            new TunnelControl(exec).start(state, settings, List.of("/bin/false"), Duration.ofSeconds(60));
            KEYS.put(settings.port(), ApiKeys.read(new TunnelFiles(state).apiKey()));
            ports.put("vmbox tunnel", settings.port());

            if (!Boolean.getBoolean("bench.skipJsch")) {
                int jport = LocalSshd.freePort();
                open.add(new JschBuiltinForward(target, jport, backend.port()));
                awaitPort(jport);
                ports.put("JSch -L (rejected)", jport);
            }
            print(measureAll(ports));
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                open.get(i).close();
            }
            try (var files = Files.walk(tmp)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The API key each port wants (only vmbox's endpoint asks for one). */
    static final Map<Integer, String> KEYS = new java.util.concurrent.ConcurrentHashMap<>();

    static String key(int port) {
        return KEYS.get(port);
    }

    record Result(double mbps, double rttP50, double rttP99, double connP50, double connP99, double stallP50,
                  double stallP99, double stallMax, double stallConnMax, boolean frozen) {
    }

    /** Interleaves the paths round by round, so load from other processes hits all of them alike. */
    static Map<String, Result> measureAll(Map<String, Integer> ports) throws Exception {
        int rounds = 50; // fine-grained interleaving: a burst of load from other processes hits every path alike
        Map<String, List<Double>> mb = new LinkedHashMap<>();
        Map<String, List<Double>> rtt = new LinkedHashMap<>();
        Map<String, List<Double>> conn = new LinkedHashMap<>();
        Map<String, DuplexRequest> echo = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : ports.entrySet()) {
            mb.put(e.getKey(), new ArrayList<>());
            rtt.put(e.getKey(), new ArrayList<>());
            conn.put(e.getKey(), new ArrayList<>());
            DuplexRequest s = new DuplexRequest(e.getValue(), key(e.getValue()), 10_000);
            for (int i = 0; i < 200; i++) {
                roundTrip(s);
            }
            for (int i = 0; i < 20; i++) {
                newConnection(e.getValue(), 10_000);
            }
            echo.put(e.getKey(), s);
        }
        System.err.println("bulk ...");
        for (int round = 0; round < 3; round++) {
            for (Map.Entry<String, Integer> e : ports.entrySet()) {
                mb.get(e.getKey()).add(bulk(e.getValue()));
            }
        }
        System.err.println("round trips and new connections ...");
        for (int round = 0; round < rounds; round++) {
            for (Map.Entry<String, Integer> e : ports.entrySet()) {
                DuplexRequest s = echo.get(e.getKey());
                for (int i = 0; i < RTT_N / rounds; i++) {
                    rtt.get(e.getKey()).add(roundTrip(s));
                }
                for (int i = 0; i < CONN_N / rounds; i++) {
                    conn.get(e.getKey()).add(newConnection(e.getValue(), 10_000));
                }
            }
        }
        for (DuplexRequest s : echo.values()) {
            s.close();
        }
        Map<String, Result> out = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : ports.entrySet()) {
            System.err.println("stalled client on " + e.getKey() + " ...");
            double[] m = sorted(mb.get(e.getKey()));
            double[] r = sorted(rtt.get(e.getKey()));
            double[] c = sorted(conn.get(e.getKey()));
            out.put(e.getKey(), stall(e.getValue(), m[1], r, c));
        }
        return out;
    }

    static double[] sorted(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /** One client asks for an endless stream and never reads; another keeps doing round trips and new connections. */
    static Result stall(int port, double mbps, double[] rtt, double[] conn) throws Exception {
        double[] stall;
        double stallConnMax = 0;
        boolean frozen = false;
        try (DuplexRequest open = new DuplexRequest(port, key(port), (int) STALL_CAP_MS); Socket stalled = new Socket()) {
            roundTrip(open);
            stalled.setReceiveBufferSize(64 * 1024);
            stalled.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            stalled.getOutputStream().write(request(port, "GET /bulk?n=-1"));
            Thread.sleep(1000);
            List<Double> during = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) {
                    during.add(roundTrip(open));
                }
                for (int i = 0; i < 50; i++) {
                    stallConnMax = Math.max(stallConnMax, newConnection(port, (int) STALL_CAP_MS));
                }
            } catch (IOException e) {
                frozen = true;
                during.add((double) STALL_CAP_MS);
            }
            if (Boolean.getBoolean("bench.debug")) {
                for (int i = 0; i < during.size(); i++) {
                    if (during.get(i) > 5) {
                        System.err.printf(Locale.ROOT, "  slow round trip #%d: %.1f ms%n", i, during.get(i));
                    }
                }
            }
            stall = sorted(during);
        }
        return new Result(mbps, pct(rtt, 50), pct(rtt, 99), pct(conn, 50), pct(conn, 99), pct(stall, 50), pct(stall, 99),
                stall[stall.length - 1], stallConnMax, frozen);
    }

    static double bulk(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write(request(port, "GET /bulk?n=" + BULK_BYTES));
            InputStream in = s.getInputStream();
            skipHead(in);
            byte[] buf = new byte[256 * 1024];
            long got = 0;
            long t0 = System.nanoTime();
            int n;
            while ((n = in.read(buf)) >= 0) {
                got += n;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            if (got != BULK_BYTES) {
                throw new IOException("short bulk read: " + got);
            }
            return got / 1e6 / secs;
        }
    }

    static final byte[] MSG = "0123456789".repeat(20).getBytes();

    static double roundTrip(DuplexRequest s) throws IOException {
        return s.roundTrip(MSG);
    }

    /** A request head with this port's Host and key, closing after the answer. */
    static byte[] request(int port, String requestLine) {
        String k = key(port);
        return (requestLine + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + (k == null ? "" : "Authorization: Bearer " + k + "\r\n")
                + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    static void skipHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed in the head");
            }
            matched = c == end[matched] ? matched + 1 : c == '\r' ? 1 : 0;
        }
    }

    /** Connect, send one request, read the first byte of the answer: what a client waits for. */
    static double newConnection(int port, int timeoutMs) throws IOException {
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(timeoutMs);
            s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMs);
            s.getOutputStream().write(request(port, "GET /health"));
            if (s.getInputStream().read() != 'H') {
                throw new IOException("no answer");
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    static double pct(double[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static void awaitPort(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("port " + port + " never opened");
    }

    static void print(Map<String, Result> results) {
        System.out.printf(Locale.ROOT, "%-20s %9s %9s %9s %9s %9s %11s %11s %11s %12s%n", "path", "bulk MB/s",
                "rtt p50", "rtt p99", "conn p50", "conn p99", "stall p50", "stall p99", "stall max", "stall conn");
        for (Map.Entry<String, Result> e : results.entrySet()) {
            Result r = e.getValue();
            System.out.printf(Locale.ROOT, "%-20s %9.0f %7.3fms %7.3fms %7.2fms %7.2fms %9.3fms %9.3fms %9.1fms %10.1fms%s%n",
                    e.getKey(), r.mbps(), r.rttP50(), r.rttP99(), r.connP50(), r.connP99(), r.stallP50(), r.stallP99(),
                    r.stallMax(), r.stallConnMax(), r.frozen() ? "  FROZEN (no answer within " + STALL_CAP_MS + " ms)" : "");
        }
        Result v = results.get("vmbox tunnel");
        Result s = results.get("ssh -L");
        if (v != null && s != null) {
            System.out.println();
            System.out.printf(Locale.ROOT, "goal: stalled-client impact < 10 ms   -> vmbox stall p99 %.3f ms (baseline p99 %.3f ms, impact %.3f ms): %s%n",
                    v.stallP99(), v.rttP99(), v.stallP99() - v.rttP99(), v.stallP99() - v.rttP99() < 10 && !v.frozen() ? "MET" : "MISSED");
            System.out.printf(Locale.ROOT, "goal: rtt p99 <= 1.5 x ssh -L          -> %.3f / %.3f = %.2fx: %s%n",
                    v.rttP99(), s.rttP99(), v.rttP99() / s.rttP99(), v.rttP99() <= 1.5 * s.rttP99() ? "MET" : "MISSED");
            System.out.printf(Locale.ROOT, "goal: throughput >= 50%% of ssh -L     -> %.0f / %.0f MB/s = %.0f%%: %s%n",
                    v.mbps(), s.mbps(), 100 * v.mbps() / s.mbps(), v.mbps() >= 0.5 * s.mbps() ? "MET" : "MISSED");
        }
    }
}
