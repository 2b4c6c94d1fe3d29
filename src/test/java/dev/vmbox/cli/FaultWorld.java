package dev.vmbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vmbox.testing.CliHarness;
import dev.vmbox.testing.FakeProviders;
import dev.vmbox.testing.LocalSshd;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * One fault scenario's world: a fresh VMBOX_HOME, the fake {@code limactl} (its own state), and the suite's one real
 * sshd playing the booted guest. A watcher gives the sshd the host key and admin key of each seed the fake Lima
 * receives, as a guest booted from it would have; the guest's behaviour is chosen by a mode file the sshd's
 * ForceCommand reads. The real CLI runs in child JVMs ({@link Child}) that the scenario kills with SIGKILL by pid.
 */
final class FaultWorld implements AutoCloseable {
    static final String NAME = "f1";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final Path home;
    final FakeProviders fakes;
    final LocalSshd sshd;
    final Path guestMode;
    final List<Child> children = new CopyOnWriteArrayList<>();
    private final Map<String, Long> seen = new ConcurrentHashMap<>();
    private final Thread watcher;
    private volatile boolean closed;

    FaultWorld(Path dir, Path home, LocalSshd sshd, Path guestMode, Map<String, ?> limaFaults) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.home = home;
        this.sshd = sshd;
        this.guestMode = guestMode;
        this.fakes = FakeProviders.install(dir.resolve("fakes"));
        Map<String, Object> f = new HashMap<>(limaFaults);
        f.put("ssh_port", sshd.port());
        fakes.limaFaults(f);
        guest("");
        watcher = new Thread(this::watchSeeds, "seed-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** What the guest does: "" answers cloud-init done and refuses the install; see the suite's guest script. */
    void guest(String mode) throws IOException {
        Files.writeString(guestMode, mode);
    }

    void limaFaults(Map<String, ?> faults) {
        Map<String, Object> f = new HashMap<>(faults);
        f.put("ssh_port", sshd.port());
        fakes.limaFaults(f);
    }

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("VMBOX_HOME", home.toString());
        env.put("HOME", dir.toString());
        env.put("PATH", fakes.bin() + ":/usr/bin:/bin:/usr/sbin:/sbin");
        env.put("VMBOX_OFFLINE", "1");
        env.put("VMBOX_PROVIDER", "lima");
        return env;
    }

    CliHarness cli() {
        CliHarness h = new CliHarness(home);
        env().forEach(h::env);
        return h;
    }

    /** The real CLI in a child JVM (this test's class path), its stderr collected line by line. */
    Child spawn(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(env());
        Child c = new Child(pb.start());
        children.add(c);
        return c;
    }

    /** The fake Lima's instances (Lima names). */
    List<String> vms() {
        return fakes.limaInstances();
    }

    /** The seed's host public key of Lima instance {@code limaName}, from the YAML the fake received; null if none. */
    String seedHostKey(String limaName) {
        Path yaml = fakes.limaState().resolve("instances").resolve(limaName + ".yaml");
        try {
            JsonNode ud = userData(yaml);
            return ud == null ? null : ud.path("ssh_keys").path("ed25519_public").asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** Rows of {@code vmbox list --json}, run in this JVM. */
    List<JsonNode> list() throws IOException {
        CliHarness.Result r = cli().run("list", "--json");
        if (r.exitCode() != 0) {
            throw new IllegalStateException("list failed: " + r);
        }
        JsonNode root = JSON.readTree(r.out());
        List<JsonNode> rows = new ArrayList<>();
        JsonNode arr = root.isArray() ? root : root.path("instances");
        arr.forEach(rows::add);
        return rows;
    }

    /** Every process on this host whose command line names this world's folder (the agent, ssh, a fake CLI): pid -> line. */
    Map<Long, String> processes() {
        Map<Long, String> out = new HashMap<>();
        String mark = dir.toString();
        ProcessHandle.allProcesses().forEach(p -> {
            if (p.pid() == ProcessHandle.current().pid()) {
                return;
            }
            String line = cmdline(p.pid());
            if (line.contains(mark)) {
                out.put(p.pid(), line);
            }
        });
        return out;
    }

    static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** What is left in VMBOX_HOME beyond logs, caches, settings and the agent's log: relative paths. */
    List<String> leftoverFiles() throws IOException {
        if (!Files.exists(home)) {
            return List.of();
        }
        Set<String> allowedTop = Set.of("_logs", "_cache", "_config");
        try (Stream<Path> s = Files.walk(home)) {
            return s.filter(p -> !p.equals(home)).map(p -> home.relativize(p).toString())
                    .filter(rel -> !allowedTop.contains(rel.split("/")[0]))
                    .filter(rel -> !rel.equals("_agent") && !rel.equals("_agent/agent.log") && !rel.equals("_agent/agent.lock"))
                    .filter(rel -> !rel.equals("_ports") && !rel.equals("_ports/.lock") && !staleClaim(rel))
                    .sorted().toList();
        }
    }

    /** A port claim of a create that is gone (killed): by design harmless, the next create takes it over. */
    private boolean staleClaim(String rel) {
        if (!rel.startsWith("_ports/")) {
            return false;
        }
        try {
            long pid = JSON.readTree(home.resolve(rel).toFile()).path("pid").asLong(-1);
            return pid > 0 && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        watcher.interrupt();
        for (Child c : children) {
            c.killTree();
        }
        processes().keySet().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    private void watchSeeds() {
        Path inst = fakes.limaState().resolve("instances");
        while (!closed) {
            try (Stream<Path> s = Files.isDirectory(inst) ? Files.list(inst) : Stream.empty()) {
                for (Path yaml : s.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                    long m = Files.getLastModifiedTime(yaml).toMillis() ^ Files.size(yaml);
                    Long before = seen.put(yaml.toString(), m);
                    if (before == null || before != m) {
                        JsonNode ud = userData(yaml);
                        if (ud != null) {
                            boot(ud);
                        } else {
                            seen.remove(yaml.toString());
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // a file being written: try again
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void boot(JsonNode ud) {
        JsonNode admin = null;
        for (JsonNode u : ud.path("users")) {
            if (u.isObject() && "vmbox".equals(u.path("name").asText())) {
                admin = u;
            }
        }
        if (admin == null) {
            return;
        }
        sshd.useGuestKeys(ud.path("ssh_keys").path("ed25519_private").asText(), ud.path("ssh_keys").path("ed25519_public").asText(),
                admin.path("ssh_authorized_keys").get(0).asText());
    }

    private static JsonNode userData(Path limaYaml) throws IOException {
        if (!Files.exists(limaYaml) || Files.size(limaYaml) == 0) {
            return null;
        }
        JsonNode y = YAML.readTree(limaYaml.toFile());
        for (JsonNode p : y.path("provision")) {
            String content = p.path("content").asText("");
            if (content.startsWith("#cloud-config")) {
                return YAML.readTree(content);
            }
        }
        return null;
    }

    static void openUp(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The CLI in a child JVM. */
    static final class Child {
        final Process process;
        final List<String> err = new CopyOnWriteArrayList<>();
        private final Set<Long> seenDescendants = ConcurrentHashMap.newKeySet();

        Child(Process process) {
            this.process = process;
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        err.add(line);
                        process.descendants().forEach(d -> seenDescendants.add(d.pid()));
                    }
                } catch (IOException e) {
                    // the child was killed
                }
            }, "child-stderr");
            t.setDaemon(true);
            t.start();
        }

        long pid() {
            return process.pid();
        }

        /** Waits until a stderr line matches; false if the child ended or the time ran out first. */
        boolean await(Predicate<String> line, Duration timeout) throws InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < end) {
                if (err.stream().anyMatch(line)) {
                    return true;
                }
                if (!process.isAlive()) {
                    return err.stream().anyMatch(line);
                }
                Thread.sleep(5);
            }
            return false;
        }

        /** SIGKILL by pid, the JVM only (its children are orphaned, as with kill -9 from a shell). */
        void kill9() throws InterruptedException {
            process.descendants().forEach(d -> seenDescendants.add(d.pid()));
            process.destroyForcibly();
            process.waitFor();
        }

        int waitFor(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                killTree();
                return -1;
            }
            return process.exitValue();
        }

        String stderr() {
            return String.join("\n", err);
        }

        /** Ends the child and what it started that still runs, each by pid. */
        void killTree() {
            process.descendants().forEach(d -> seenDescendants.add(d.pid()));
            process.destroyForcibly();
            for (long pid : seenDescendants) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
