package dev.vmbox.app.tunnel;

import dev.vmbox.app.tunnel.http.RuntimeStandIn;
import dev.vmbox.exec.Executables;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.ApiKeys;
import dev.vmbox.testing.LocalSshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Benchmark (not a test; run by scripts/bench-resident): what the host keeps resident for the API tunnels of 1
 * and of 10 instances, read from /proc (RSS, and PSS, which shares the pages of common libraries between
 * processes), for the agent and its ssh processes, against a real sshd on 127.0.0.1, each tunnel warmed up by
 * requests first. Baselines in the same run: an idle JVM with the agent's flags (the floor of any Java agent) and,
 * with {@code -Dbench.oldJar=vmbox.jar} of the earlier design, its one-agent-per-instance JVMs and their ssh.
 */
public final class ResidentBench {
    static final Executables EXEC = Executables.fromEnvironment(System.getenv());
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    static final List<String> OLD_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m");

    private ResidentBench() {
    }

    /** An idle JVM: the floor. */
    public static final class Idle {
        private Idle() {
        }

        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** The agent without the CLI around it, to see what the CLI's classes cost (bench.agentMain). */
    public static final class AgentOnly {
        private AgentOnly() {
        }

        public static void main(String[] args) {
            TunnelAgent.runForeground(Path.of(args[0]), EXEC, false);
        }
    }

    record Memory(long rssKb, long pssKb, int processes) {
        Memory plus(Memory o) {
            return new Memory(rssKb + o.rssKb, pssKb + o.pssKb, processes + o.processes);
        }
    }

    /** RSS and PSS of {@code pid} and all its descendants. */
    static Memory memory(long pid) {
        Memory m = one(pid);
        for (ProcessHandle d : ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of())) {
            m = m.plus(one(d.pid()));
        }
        return m;
    }

    static Memory one(long pid) {
        return new Memory(field(Path.of("/proc/" + pid + "/status"), "VmRSS:"), field(Path.of("/proc/" + pid + "/smaps_rollup"), "Pss:"), 1);
    }

    static long field(Path file, String name) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(l -> l.startsWith(name)).mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The largest of a few samples, once the processes settled. */
    static Memory settled(List<Long> pids) throws InterruptedException {
        Thread.sleep(2000);
        Memory best = new Memory(0, 0, 0);
        for (int i = 0; i < 3; i++) {
            Memory m = new Memory(0, 0, 0);
            for (long p : pids) {
                m = m.plus(memory(p));
            }
            best = m.rssKb() > best.rssKb() ? m : best;
            Thread.sleep(500);
        }
        return best;
    }

    static void warm(int port, String key) throws IOException {
        byte[] body = new byte[1 << 20];
        for (int i = 0; i < 30; i++) {
            HttpCall.get(port, "/api/tags", key, Map.of());
            HttpCall.get(port, "/stream?n=5&delay=0", key, Map.of());
        }
        HttpCall.send("127.0.0.1:" + port, "POST", "/echo", key, Map.of(), body);
        HttpCall.get(port, "/bulk?n=20000000", key, Map.of());
    }

    public static void main(String[] args) throws Exception {
        int many = Integer.getInteger("bench.instances", 10);
        Path tmp = Files.createTempDirectory("vmbox-resident-");
        List<Process> started = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        try (LocalSshd sshd = LocalSshd.start(tmp); RuntimeStandIn runtime = new RuntimeStandIn()) {
            // floor: an idle JVM with the agent's flags
            List<String> idle = new ArrayList<>(List.of(JAVA));
            idle.addAll(TunnelAgent.JVM_FLAGS);
            idle.addAll(List.of("-cp", System.getProperty("java.class.path"), Idle.class.getName()));
            Process bare = new ProcessBuilder(idle).redirectErrorStream(true).redirectOutput(tmp.resolve("idle.log").toFile()).start();
            started.add(bare);
            Memory floor = settled(List.of(bare.pid()));
            bare.destroy();
            rows.add(row("idle JVM, agent's flags (floor)", 1, floor));

            String oldJar = System.getProperty("bench.oldJar", "");
            if (!oldJar.isEmpty()) {
                for (int n : new int[] {1, many}) {
                    List<Long> pids = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        TunnelSettings s = TunnelSettings.loopback("old" + n + "-" + i, sshd.target(), LocalSshd.freePort(),
                                runtime.port(), RuntimeKind.OLLAMA, null);
                        Path state = tmp.resolve("old").resolve(s.name());
                        Files.createDirectories(state);
                        s.write(state.resolve("tunnel.settings.json"));
                        List<String> cmd = new ArrayList<>(List.of(JAVA));
                        cmd.addAll(OLD_FLAGS);
                        cmd.addAll(List.of("-cp", oldJar, "dev.vmbox.cli.Main", "tunnel", "run", state.toString()));
                        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(state.resolve("out.log").toFile()).start();
                        started.add(p);
                        pids.add(p.pid());
                        awaitPort(s.port());
                        warm(s.port(), null);
                    }
                    rows.add(row("earlier design: one agent JVM + ssh per instance", n, settled(pids)));
                    for (Process p : started) {
                        p.destroy();
                    }
                    Thread.sleep(1000);
                }
            }

            Path home = tmp.resolve("home");
            List<String> agent = new ArrayList<>(List.of(JAVA));
            String extra = System.getProperty("bench.agentFlags", "");
            agent.addAll(extra.isBlank() ? TunnelAgent.JVM_FLAGS : List.of(extra.trim().split("\\s+")));
            agent.add("-cp");
            agent.add(TunnelAgent.absoluteClassPath(System.getProperty("java.class.path")));
            if (Boolean.getBoolean("bench.agentOnly")) {
                agent.add(AgentOnly.class.getName());
            } else {
                agent.addAll(List.of("dev.vmbox.cli.Main", "tunnel", "run"));
            }
            ApiTunnel tunnels = new ApiTunnel(new TunnelControl(EXEC), agent);
            long agentPid = 0;
            for (int i = 0; i < many; i++) {
                TunnelSettings s = TunnelSettings.loopback("llm" + i, sshd.target(), LocalSshd.freePort(), runtime.port(),
                        RuntimeKind.OLLAMA, null);
                Path state = home.resolve(s.name()).resolve("tunnel");
                try {
                    agentPid = tunnels.start(state, s, Duration.ofSeconds(60)).pid();
                } catch (RuntimeException e) {
                    System.err.println("agent log:\n" + Files.readString(new AgentFiles(home).log()));
                    throw e;
                }
                warm(s.port(), ApiKeys.read(new TunnelFiles(state).apiKey()));
                if (i == 0) {
                    rows.add(row("vmbox agent + its ssh", 1, settled(List.of(agentPid))));
                }
            }
            rows.add(row("vmbox agent + its ssh", many, settled(List.of(agentPid))));
            if (Long.getLong("bench.pauseMs", 0) > 0) {
                System.err.println("agent pid " + agentPid);
                Thread.sleep(Long.getLong("bench.pauseMs", 0)); // time for jcmd PID VM.native_memory summary
            }
            new TunnelControl(EXEC).shutdownAgent(home);
            ProcessHandle.of(agentPid).ifPresent(h -> h.onExit().join());
        } finally {
            for (Process p : started) {
                p.destroyForcibly();
            }
            try (var files = Files.walk(tmp)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        System.out.printf(Locale.ROOT, "%-66s %9s %8s %8s %11s %11s%n", "what", "instances", "RSS MB", "PSS MB",
                "RSS MB/inst", "PSS MB/inst");
        for (String[] r : rows) {
            System.out.printf(Locale.ROOT, "%-66s %9s %8s %8s %11s %11s%n", (Object[]) r);
        }
    }

    static String[] row(String what, int n, Memory m) {
        return new String[] {what + " (" + m.processes() + " processes)", Integer.toString(n),
            String.format(Locale.ROOT, "%.1f", m.rssKb() / 1024.0), String.format(Locale.ROOT, "%.1f", m.pssKb() / 1024.0),
            String.format(Locale.ROOT, "%.1f", m.rssKb() / 1024.0 / n), String.format(Locale.ROOT, "%.1f", m.pssKb() / 1024.0 / n)};
    }

    static void awaitPort(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
                Thread.sleep(300); // the old agent calls a port that accepts "up"; let ssh settle
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("port " + port + " never opened");
    }
}
