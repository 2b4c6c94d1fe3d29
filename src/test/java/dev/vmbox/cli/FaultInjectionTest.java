package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmbox.app.tunnel.HttpCall;
import dev.vmbox.app.tunnel.http.RuntimeStandIn;
import dev.vmbox.testing.CliHarness;
import dev.vmbox.testing.LocalSshd;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: the fault-injection suite on the fake provider CLI (the fake {@code limactl}) and a real sshd playing the
 * guest. The real CLI runs as a child JVM and is killed with SIGKILL by pid at each create step and during
 * start/stop/delete; the provider CLI hangs past its timeout; VMBOX_HOME runs out of space (a small tmpfs, as root);
 * two vmbox processes race on one name; the tunnel agent and its ssh are killed with SIGKILL. After each fault:
 * {@code list} must tell the truth (each row's state is what the fake holds), no record may point at a VM made by
 * someone else (the record's pinned host key is the VM's seed key), and {@code delete} (or {@code delete --force})
 * must leave no VM, instance file, agent or ssh process. The suite prints the table fault x step -> outcome and its
 * totals, also into target/faults/table.md; then every row must be ok.
 */
@Timeout(240)
class FaultInjectionTest {
    static final String NAME = FaultWorld.NAME;
    static final String LIMA = "vmbox-" + NAME;
    static final Pattern STEP_LINE = Pattern.compile("^\\[\\d+/\\d+\\] ([a-z-]+)\\s+\\.\\.\\.$");

    @TempDir
    static Path tmp;
    static LocalSshd sshd;
    static Path guestMode;
    /** The pids of the guest's slow commands (run as the guest's login, they outlive a killed client's session). */
    static Path guestPids;
    static Path bundle;
    static String bundleSha;
    static Path gguf;
    static final String STAGE = "/var/tmp/vmbox-install";
    static int scenario;
    static int lastPort;
    /** The guest's runtime on its own port: the guest's 127.0.0.1 is this host's here; null when the port is taken. */
    static RuntimeStandIn runtime;
    static final List<Row> rows = new ArrayList<>();

    record Row(String fault, String step, String exit, String list, String cleanup, boolean ok, String note) {
    }

    @BeforeAll
    static void guest() throws Exception {
        assumeTrue(Files.isExecutable(LocalSshd.SSHD), "needs OpenSSH's sshd");
        adminLogin();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        guestMode = tmp.resolve("guest-mode");
        Files.writeString(guestMode, "");
        Files.setPosixFilePermissions(guestMode, PosixFilePermissions.fromString("rw-r--r--"));
        guestPids = tmp.resolve("guest-pids");
        Files.writeString(guestPids, "");
        Files.setPosixFilePermissions(guestPids, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path script = tmp.resolve("guest-command");
        Files.writeString(script, String.join("\n",
                "#!/bin/sh",
                "# the booted guest (vmbox sends each command as: exec timeout ... sh -c 'COMMAND'), by the mode file:",
                "# '' a good guest (cloud-init done; the install's files really land in " + STAGE + ", its scripts and",
                "# proofs say yes); refuse: the install is refused; slow-STEP: that step hangs",
                "M=$(cat '" + guestMode + "' 2>/dev/null)",
                "cmd=$SSH_ORIGINAL_COMMAND",
                "refuse() { echo 'test guest: the flow ends here' >&2; exit 7; }",
                "# a slow step: the sleep's pid is noted so that the suite can end it by pid; nothing runs after it",
                "slow() { echo $$ >> '" + guestPids + "'; exec sleep 30; }",
                "case \"$cmd\" in",
                "  sftp|internal-sftp) exec /usr/lib/openssh/sftp-server ;;",
                "  *'cloud-init status'*) [ \"$M\" = slow-cloud-init ] && slow; echo 'status: done'; exit 0 ;;",
                "  *'rm -rf " + STAGE + " '*) [ \"$M\" = slow-install ] && slow; [ \"$M\" = refuse ] && refuse; eval \"$cmd\" ;;",
                "  *\"-c 'mkdir \"*|*\"-c 'sha256sum \"*|*\"-c 'mv -f -- \"*|*\"-c 'rm -f -- \"*)",
                "    case \"$cmd\" in *" + STAGE + "/*) eval \"$cmd\" ;; esac; refuse ;;",
                "  *'nft list chain'*) [ \"$M\" = slow-seal ] && slow; exit 0 ;;",
                "  *'sh -s'*) cat > /dev/null; exit 0 ;;",
                "esac",
                "[ \"$M\" = refuse ] && refuse",
                "exit 0",
                ""));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        sshd = LocalSshd.start(tmp, List.of("ForceCommand " + script));
        runtime = free(11434) ? new RuntimeStandIn(11434) : null;
        bundle = Files.write(tmp.resolve("runtime.tar.gz"), "not really a runtime".getBytes());
        bundleSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(bundle)));
        gguf = Path.of(System.getProperty("vmbox.repo", ".")).resolve("src/test/resources/fixtures/gguf/tiny-llama.gguf")
                .toAbsolutePath();
    }

    /** The guest's admin login, "vmbox", must be an account for the real sshd (added as root, like the flow tests'). */
    static void adminLogin() throws Exception {
        if (new ProcessBuilder("id", "vmbox").start().waitFor() == 0) {
            return;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        assumeTrue(root || "true".equals(System.getenv("CI")), "needs root to add the guest's login vmbox for the local sshd");
        Process p = new ProcessBuilder("useradd", "--system", "--no-create-home", "--shell", "/bin/sh", "-p", "*", "vmbox")
                .redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
    }

    @AfterAll
    static void stopSshd() throws Exception {
        if (sshd != null) {
            sshd.close();
        }
        if (guestPids != null) {
            for (String pid : Files.readAllLines(guestPids)) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        if (runtime != null) {
            runtime.close();
        }
        new ProcessBuilder("rm", "-rf", STAGE).start().waitFor();
    }

    /** A row for a fault that needs the guest's runtime port when another program holds it. */
    private static boolean runtimeOr(String fault, String step) {
        if (runtime == null) {
            add(new Row(fault, step, "-", "-", "-", true, "skipped: 127.0.0.1:11434 (the guest's runtime port, here the "
                    + "host's) is taken"));
        }
        return runtime != null;
    }

    /** A ready instance: the whole create on the good guest. */
    private static boolean ready(FaultWorld w, String fault, String step) throws Exception {
        w.guest("");
        CliHarness.Result made = w.cli().run(createArgs("60s").toArray(String[]::new));
        if (made.exitCode() != 0) {
            add(new Row(fault, step, "-", "-", "-", false, "the create before the fault failed: "
                    + made.err().lines().filter(l -> l.startsWith("vmbox:")).findFirst().orElse(made.toString())));
        }
        return made.exitCode() == 0;
    }

    private static FaultWorld world(Map<String, ?> limaFaults) throws IOException {
        Path dir = tmp.resolve("s" + (++scenario));
        return new FaultWorld(dir, dir.resolve("home"), sshd, guestMode, limaFaults);
    }

    private static List<String> createArgs(String timeout, String... extra) throws IOException {
        List<String> a = new ArrayList<>(List.of("create", NAME, "--model-file", gguf.toString(), "--runtime-bundle",
                bundle.toString(), "--runtime-sha256", bundleSha, "--port", Integer.toString(LocalSshd.freePort()),
                "--timeout", timeout));
        a.addAll(List.of(extra));
        lastPort = Integer.parseInt(a.get(a.indexOf("--port") + 1));
        return a;
    }

    /** The step the child had started last (its progress lines on stderr). */
    private static String lastStep(FaultWorld.Child c) {
        String step = "(none)";
        for (String line : c.err) {
            Matcher m = STEP_LINE.matcher(line);
            if (m.matches()) {
                step = m.group(1);
            }
        }
        return step;
    }

    // ---- the faults ----

    @Test
    void everyFaultLeavesTheTruthAndNothingBehind() throws Exception {
        long t0 = System.nanoTime();
        for (String step : List.of("check", "fetch", "keys", "seed", "provision", "ssh", "cloud-init", "install", "seal",
                "tunnel", "health", "rollback")) {
            if (!List.of("seal", "tunnel", "health").contains(step) || runtimeOr("kill -9 vmbox create", step)) {
                killCreateAt(step);
            }
        }
        hangingProvider();
        for (String op : List.of("stop", "start", "delete")) {
            killDuring(op);
        }
        race(0);
        race(1500);
        for (int inodes : new int[] {0, 8, 16, 22}) {
            outOfSpace(inodes);
        }
        tunnelFaults();
        report(Duration.ofNanos(System.nanoTime() - t0));
        List<Row> bad = rows.stream().filter(r -> !r.ok()).toList();
        assertEquals(List.of(), bad, "faults whose outcome was wrong");
    }

    /** SIGKILL of {@code vmbox create} when it has started {@code step} (steps that wait are made to wait there). */
    private void killCreateAt(String step) throws Exception {
        Map<String, Object> faults = step.equals("provision") ? Map.of("start", "hang", "hang_seconds", 60) : Map.of();
        try (FaultWorld w = world(faults)) {
            w.guest(switch (step) {
                case "cloud-init" -> "slow-cloud-init";
                case "install" -> "slow-install";
                case "seal" -> "slow-seal";
                case "rollback" -> "refuse";
                default -> "";
            });
            if (step.equals("keys")) {
                // ssh-keygen is slow: the kill lands while the keys are made
                Path slow = w.fakes.bin().resolve("ssh-keygen");
                Files.writeString(slow, "#!/bin/sh\nsleep 0.5\nexec /usr/bin/ssh-keygen \"$@\"\n");
                Files.setPosixFilePermissions(slow, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            FaultWorld.Child c = w.spawn(createArgs("60s").toArray(String[]::new));
            boolean reached = c.await(l -> l.startsWith("rollback") || (STEP_LINE.matcher(l).matches() && l.contains("] " + step + " ")),
                    Duration.ofSeconds(30));
            if (List.of("provision", "cloud-init", "install", "seal", "keys").contains(step)) {
                Thread.sleep(300); // inside the slow command
            }
            String at = step.equals("rollback") ? (reached ? "rollback" : lastStep(c)) : lastStep(c);
            c.kill9();
            w.guest("");
            outcome(w, "kill -9 vmbox create", reached ? at : step + " (not reached: " + at + ")", "137", reached);
        }
    }

    /** The provider CLI hangs (limactl start never returns): the command's timeout ends it and create rolls back. */
    private void hangingProvider() throws Exception {
        try (FaultWorld w = world(Map.of("start", "hang", "hang_seconds", 300))) {
            FaultWorld.Child c = w.spawn(createArgs("5s").toArray(String[]::new));
            int rc = c.waitFor(Duration.ofSeconds(60));
            outcome(w, "provider CLI hangs past its timeout", "provision", Integer.toString(rc), rc == 5);
        }
    }

    /** A ready instance, then SIGKILL of the CLI while Lima is slow in stop, start or delete. */
    private void killDuring(String op) throws Exception {
        String fault = "kill -9 vmbox " + op;
        if (!runtimeOr(fault, op)) {
            return;
        }
        try (FaultWorld w = world(Map.of())) {
            if (!ready(w, fault, op)) {
                return;
            }
            if (op.equals("start")) {
                CliHarness.Result stopped = w.cli().run("stop", NAME);
                if (stopped.exitCode() != 0) {
                    add(new Row(fault, op, "-", "-", "-", false, "could not stop the instance first: " + stopped));
                    return;
                }
            }
            w.limaFaults(Map.of(op, "hang", "hang_seconds", 60));
            FaultWorld.Child c = w.spawn(op, NAME);
            boolean inside = awaitProcess(w, "limactl", " " + op + " ", Duration.ofSeconds(20));
            Thread.sleep(200);
            c.kill9();
            w.limaFaults(Map.of());
            outcome(w, fault, op + (inside ? " (limactl " + op + " running)" : " (before limactl)"), "137", inside);
        }
    }

    /** Two creates of one name at once: one gets it; the loser must not touch (or point at) the winner's VM. */
    private void race(long laterMs) throws Exception {
        try (FaultWorld w = world(Map.of("start", "hang", "hang_seconds", 2))) {
            List<String> args = createArgs("60s");
            FaultWorld.Child a = w.spawn(args.toArray(String[]::new));
            Thread.sleep(laterMs);
            FaultWorld.Child b = w.spawn(args.toArray(String[]::new));
            int ra = a.waitFor(Duration.ofSeconds(60));
            int rb = b.waitFor(Duration.ofSeconds(60));
            boolean oneWon = (ra == 0) != (rb == 0);
            Row r = outcome(w, "two creates race on one name", laterMs == 0 ? "both at once" : "B " + laterMs + " ms later",
                    ra + "/" + rb, oneWon);
            note(r, "A: " + errorLine(a) + "; B: " + errorLine(b));
        }
    }

    /**
     * VMBOX_HOME on a small tmpfs: with {@code inodes} 0 full before create (no byte free); else 20g of bytes (the
     * check's free-space test passes; tmpfs takes memory only for what is written) but only {@code inodes} files, so
     * a write in the middle of create fails with ENOSPC ("No space left on device"), at a step that depends on the count.
     */
    private void outOfSpace(int inodes) throws Exception {
        String fault = "VMBOX_HOME out of space" + (inodes == 0 ? " (full before)" : " (" + inodes + " inodes)");
        Path mnt = tmp.resolve("tmpfs-" + inodes);
        Files.createDirectories(mnt);
        String opts = inodes == 0 ? "size=64k" : "size=20g,nr_inodes=" + inodes;
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", opts + ",mode=0700", "tmpfs", mnt.toString())
                .redirectErrorStream(true).start();
        String why = new String(m.getInputStream().readAllBytes()).strip();
        if (m.waitFor() != 0) {
            add(new Row(fault, "-", "-", "-", "-", true, "skipped: cannot mount a tmpfs here (" + why + ")"));
            return;
        }
        try {
            Path dir = tmp.resolve("s" + (++scenario));
            try (FaultWorld w = new FaultWorld(dir, mnt.resolve("home"), sshd, guestMode, Map.of())) {
                Files.createDirectories(w.home);
                Files.setPosixFilePermissions(w.home, PosixFilePermissions.fromString("rwx------"));
                if (inodes == 0) {
                    fill(mnt.resolve("filler"));
                }
                FaultWorld.Child c = w.spawn(createArgs("60s").toArray(String[]::new));
                int rc = c.waitFor(Duration.ofSeconds(60));
                String err = c.stderr().toLowerCase(Locale.ROOT);
                boolean clear = err.contains("no space left") || err.contains("free");
                note(outcome(w, fault, lastStep(c), Integer.toString(rc), rc != 0 && rc != 70 && clear), errorLine(c));
            }
        } finally {
            new ProcessBuilder("umount", mnt.toString()).start().waitFor();
        }
    }

    private static void fill(Path file) throws IOException {
        try (var out = Files.newOutputStream(file)) {
            byte[] block = new byte[4096];
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            // the disk is full now: as wanted
        }
    }

    /** SIGKILL of the tunnel agent, and of its ssh, on a ready instance (its "runtime" answers on 127.0.0.1:11434). */
    private void tunnelFaults() throws Exception {
        {
            for (String victim : List.of("agent", "ssh")) {
                if (!runtimeOr("kill -9 tunnel " + victim, "tunnel up")) {
                    continue;
                }
                try (FaultWorld w = world(Map.of())) {
                    if (!ready(w, "kill -9 tunnel " + victim, "tunnel up")) {
                        continue;
                    }
                    int api = lastPort;
                    String key = w.cli().run("api-key", NAME).out().strip();
                    long pid = victim.equals("agent")
                            ? Long.parseLong(Files.readString(w.home.resolve("_agent/agent.pid")).strip().split("\\s+")[0])
                            : w.processes().entrySet().stream().filter(e -> e.getValue().startsWith("ssh ")
                                    || e.getValue().contains("/ssh ")).mapToLong(Map.Entry::getKey).findFirst().orElse(-1);
                    long killed = System.nanoTime();
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    String note;
                    boolean ok;
                    if (victim.equals("agent")) {
                        Thread.sleep(300);
                        boolean serves = serves(api, key);
                        String status = w.cli().run("tunnel", "status", NAME).out().strip();
                        boolean saysUp = status.contains("tunnel up");
                        ok = serves == saysUp;
                        note = "after the kill: endpoint " + (serves ? "serves" : "closed") + ", status says '"
                                + status.lines().findFirst().orElse("") + "'";
                        CliHarness.Result again = w.cli().run("tunnel", "start", NAME, "--port", Integer.toString(api));
                        ok &= again.exitCode() == 0 && serves(api, key);
                        note += "; tunnel start again: " + (again.exitCode() == 0 ? "up" : "exit " + again.exitCode());
                    } else {
                        long back = -1;
                        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                        while (System.nanoTime() < end) {
                            if (serves(api, key)) {
                                back = System.nanoTime();
                                break;
                            }
                            Thread.sleep(20);
                        }
                        ok = pid > 0 && back > 0;
                        note = pid <= 0 ? "no ssh process found" : back > 0
                                ? String.format(Locale.ROOT, "API back by itself in %.2f s", (back - killed) / 1e9) : "API not back in 20 s";
                    }
                    note(outcome(w, "kill -9 tunnel " + victim, "tunnel up", "-", ok), note);
                }
            }
        }
    }

    /** A row, printed as it comes (a suite that runs long shows where). */
    private static void add(Row r) {
        System.out.println("fault: " + r);
        rows.add(r);
    }

    private static String errorLine(FaultWorld.Child c) {
        return c.err.stream().filter(l -> l.startsWith("vmbox:")).findFirst().orElse("no error");
    }

    /** Adds a note to row {@code r} (the last row). */
    private static void note(Row r, String note) {
        rows.set(rows.indexOf(r), new Row(r.fault(), r.step(), r.exit(), r.list(), r.cleanup(), r.ok(),
                (r.note().isEmpty() ? "" : r.note() + "; ") + note));
    }

    private static boolean serves(int port, String key) {
        try {
            return HttpCall.get(port, "/api/tags", key, Map.of()).status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean awaitProcess(FaultWorld w, String program, String part, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (w.processes().values().stream().anyMatch(l -> l.contains(program) && l.contains(part))) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    // ---- the outcome of a fault ----

    /**
     * After a fault: {@code list} against what the fake holds, the record's VM against its seed key, then delete (and
     * delete --force if needed) and what is left: VMs, instance files, processes naming the world's folder (the fake's own
     * hung programs excepted: they stand for the hypervisor, not for vmbox).
     */
    private static Row outcome(FaultWorld w, String fault, String step, String exit, boolean faultAsExpected) throws Exception {
        List<String> problems = new ArrayList<>();
        if (!faultAsExpected) {
            problems.add("the fault did not happen as planned");
        }
        List<String> vms = w.vms();
        String listText;
        try {
            List<JsonNode> list = w.list();
            List<String> lies = new ArrayList<>();
            StringBuilder shown = new StringBuilder();
            for (JsonNode row : list) {
                String state = row.path("state").asText();
                String phase = row.path("phase").asText();
                shown.append(row.path("name").asText()).append(' ').append(state).append('/').append(phase);
                boolean vm = vms.contains("vmbox-" + row.path("name").asText());
                String truth = vm ? limaState(w, "vmbox-" + row.path("name").asText()) : "NOT_CREATED";
                boolean lie = vm ? !state.equals(truth) : !(state.equals("NOT_CREATED") || state.equals("BROKEN"));
                if (lie) {
                    lies.add(row.path("name").asText() + " says " + state + ", provider: " + truth);
                }
                if (vm) {
                    String pinned = keyOf(w.home.resolve(row.path("name").asText()).resolve("ssh/ssh_host_ed25519_key.pub"));
                    String seeded = keyPart(w.seedHostKey("vmbox-" + row.path("name").asText()));
                    if (pinned != null && !pinned.equals(seeded)) {
                        lies.add(row.path("name").asText() + "'s record pins a host key its VM was not made with");
                    }
                }
            }
            if (list.isEmpty() && !vms.isEmpty()) {
                shown.append("(no rows; VM ").append(vms).append(" has no record)");
            }
            listText = list.isEmpty() && vms.isEmpty() ? "empty, true" : (lies.isEmpty() ? shown + ", true" : "LIE: " + lies);
            problems.addAll(lies);
        } catch (IllegalStateException e) {
            listText = "list failed";
            problems.add(e.getMessage().lines().findFirst().orElse(""));
        }
        CliHarness.Result del = w.cli().run("delete", NAME);
        String cleanup = "delete: " + del.exitCode();
        Map<Long, String> procs = settle(w);
        if (del.exitCode() != 0 || !w.vms().isEmpty() || !w.leftoverFiles().isEmpty() || !procs.isEmpty()) {
            CliHarness.Result force = w.cli().run("delete", "--force", NAME);
            cleanup += ", --force: " + force.exitCode();
            procs = settle(w);
        }
        List<String> left = new ArrayList<>();
        if (!w.vms().isEmpty()) {
            left.add("VM " + w.vms());
        }
        left.addAll(w.leftoverFiles());
        procs.forEach((pid, line) -> left.add("process " + pid + " " + line.substring(0, Math.min(80, line.length()))));
        cleanup += left.isEmpty() ? ", nothing left" : ", LEFT: " + left;
        problems.addAll(left);
        Row r = new Row(fault, step, exit, listText, cleanup, problems.isEmpty(), String.join("; ", problems));
        add(r);
        return r;
    }

    /** Waits up to 5 s for the agent to end by itself (it does once no tunnel is wanted): what still runs then. */
    private static Map<Long, String> settle(FaultWorld w) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        Map<Long, String> procs = vmboxProcesses(w);
        while (System.nanoTime() < end && (!procs.isEmpty() || !w.leftoverFiles().isEmpty())) {
            Thread.sleep(50);
            procs = vmboxProcesses(w);
        }
        return procs;
    }

    /** Processes naming the world's folder, but the fake hypervisor's own (fake limactl runs, their sleeps). */
    private static Map<Long, String> vmboxProcesses(FaultWorld w) {
        Map<Long, String> out = new java.util.HashMap<>(w.processes());
        out.values().removeIf(l -> l.contains(w.fakes.bin().resolve("limactl").toString()));
        return out;
    }

    private static String limaState(FaultWorld w, String lima) throws IOException {
        JsonNode inst = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                w.fakes.limaState().resolve("instances").resolve(lima + ".json").toFile());
        return switch (inst.path("status").asText()) {
            case "Running" -> "RUNNING";
            case "Stopped" -> "STOPPED";
            default -> inst.path("status").asText().toUpperCase(Locale.ROOT);
        };
    }

    private static String keyOf(Path pub) throws IOException {
        return Files.exists(pub) ? keyPart(Files.readString(pub)) : null;
    }

    private static String keyPart(String line) {
        if (line == null) {
            return null;
        }
        String[] f = line.strip().split("\\s+");
        return f.length > 1 ? f[1] : null;
    }

    // ---- the table ----

    private static void report(Duration took) throws IOException {
        StringBuilder t = new StringBuilder();
        t.append("| fault | step | exit | `list` afterwards | cleanup | outcome |\n|---|---|---|---|---|---|\n");
        int ok = 0;
        int skipped = 0;
        for (Row r : rows) {
            boolean skip = r.note().startsWith("skipped");
            if (skip) {
                skipped++;
            } else if (r.ok()) {
                ok++;
            }
            t.append("| ").append(r.fault()).append(" | ").append(r.step()).append(" | ").append(r.exit()).append(" | ")
                    .append(r.list()).append(" | ").append(r.cleanup()).append(" | ")
                    .append(skip ? r.note() : (r.ok() ? "ok" : "FAILED: " + r.note())
                            + (r.ok() && !r.note().isEmpty() ? " (" + r.note() + ")" : ""))
                    .append(" |\n");
        }
        long lies = rows.stream().filter(r -> r.list().startsWith("LIE")).count();
        long leftovers = rows.stream().filter(r -> r.cleanup().contains("LEFT")).count();
        t.append(String.format(Locale.ROOT, "%nfaults: %d, ok: %d, failed: %d, skipped: %d; lying list rows: %d; "
                + "faults with leftovers: %d; %.1f s (fake limactl + real sshd)%n", rows.size(), ok, rows.size() - ok - skipped,
                skipped, lies, leftovers, took.toMillis() / 1000.0));
        System.out.println("fault injection on the fakes:\n" + t);
        Path out = Path.of(System.getProperty("vmbox.repo", ".")).resolve("target/faults");
        Files.createDirectories(out);
        Files.writeString(out.resolve("table.md"), t.toString());
    }
}
