package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.testing.CliHarness;
import dev.vmbox.testing.CliHarness.Result;
import dev.vmbox.testing.FakeHosts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input is checked before anything runs: every value {@code create} (with and without {@code --dry-run}), {@code plan},
 * {@code config set} and the other commands taking a path or an address would refuse is refused with its exit code and
 * one error line (plus its hint), nothing is made in VMBOX_HOME and no provider command runs (the fake virsh, limactl
 * and multipass on PATH log every call, the provider probes included). Files are judged by their attributes: a FIFO,
 * /dev/zero and /proc files are never opened, so nothing blocks (each run is bounded).
 */
class InputRefusalsTest {
    @TempDir
    Path tmp;
    Path home;
    FakeHosts hosts;
    CliHarness cli;
    Path gguf;
    Path files;

    @BeforeEach
    void setUp() throws Exception {
        home = tmp.resolve("home");
        hosts = FakeHosts.install(tmp);
        cli = new CliHarness(home).env("PATH", hosts.path()).env("VMBOX_OFFLINE", "1");
        files = Files.createDirectories(tmp.resolve("files"));
        gguf = Files.copy(Path.of(System.getProperty("vmbox.repo", ".")).resolve("src/test/resources/fixtures/gguf/tiny-llama.gguf"),
                files.resolve("good.gguf"));
        Files.createDirectories(files.resolve("folder.gguf"));
        Process mkfifo = new ProcessBuilder("mkfifo", files.resolve("pipe.gguf").toString()).inheritIO().start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo");
        Files.createSymbolicLink(files.resolve("zero.gguf"), Path.of("/dev/zero"));
        Files.createSymbolicLink(files.resolve("proc.gguf"), Path.of("/proc/self/status"));
        Files.createSymbolicLink(files.resolve("loop-a.gguf"), files.resolve("loop-b.gguf"));
        Files.createSymbolicLink(files.resolve("loop-b.gguf"), files.resolve("loop-a.gguf"));
        Files.createSymbolicLink(files.resolve("nowhere.gguf"), files.resolve("gone.gguf"));
        Files.createFile(files.resolve("empty.gguf"));
    }

    private String f(String name) {
        return files.resolve(name).toString();
    }

    /** The bad files and what the refusal says of each. */
    private List<String[]> badFiles() {
        return List.of(new String[] {f("folder.gguf"), "is a folder"}, new String[] {f("pipe.gguf"), "is a FIFO"},
                new String[] {"/dev/zero", "is a character device"}, new String[] {f("zero.gguf"), "is a character device"},
                new String[] {"/proc/self/status", "proc file system"}, new String[] {f("proc.gguf"), "proc file system"},
                new String[] {f("loop-a.gguf"), "symbolic link that does not lead to a file"},
                new String[] {f("nowhere.gguf"), "symbolic link to nothing"}, new String[] {f("empty.gguf"), "is empty"},
                new String[] {f("missing.gguf"), "does not exist"});
    }

    /** Runs vmbox and checks the refusal: exit code, one error line naming {@code says}, nothing made, nothing run. */
    private Result refused(int code, String says, String... args) throws IOException {
        Result r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> cli.run(args), "never blocks: " + List.of(args));
        String what = String.join(" ", args).replace("\n", "\\n") + "\n" + r;
        assertEquals(code, r.exitCode(), what);
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.stream().filter(l -> l.startsWith("vmbox: ")).count(), "one error line: " + what);
        assertTrue(lines.get(0).startsWith("vmbox: ") && lines.get(0).contains(says), "says '" + says + "': " + what);
        assertTrue(lines.size() >= 2 && lines.get(1).startsWith("hint: "), "a hint: " + what);
        assertTrue(lines.size() <= 3 && !r.err().contains("Exception"), what);
        assertNothingMade(what);
        assertNothingRun(what);
        return r;
    }

    private void assertNothingMade(String what) throws IOException {
        if (!Files.exists(home)) {
            return;
        }
        try (Stream<Path> s = Files.walk(home)) {
            List<Path> made = s.filter(p -> !p.equals(home)).filter(p -> !p.startsWith(home.resolve("kept"))).toList();
            assertTrue(made.isEmpty(), "nothing made in VMBOX_HOME: " + made + "\n" + what);
        }
    }

    private void assertNothingRun(String what) {
        assertTrue(hosts.virshCalls().isEmpty(), "no virsh: " + hosts.virshCalls() + "\n" + what);
        assertTrue(hosts.fakes().limaCalls().isEmpty(), "no limactl: " + hosts.fakes().limaCalls() + "\n" + what);
        assertTrue(hosts.fakes().multipassCalls().isEmpty(), "no multipass: " + hosts.fakes().multipassCalls() + "\n" + what);
    }

    /** {@code create demo ARGS} with --dry-run and without: the same refusal. */
    private void createRefused(int code, String says, String... args) throws IOException {
        for (boolean dry : new boolean[] {true, false}) {
            List<String> a = new ArrayList<>(List.of("create", "demo", "-p", "multipass"));
            if (dry) {
                a.add("--dry-run");
            }
            a.addAll(List.of(args));
            refused(code, says, a.toArray(String[]::new));
        }
    }

    @Test
    void aRuntimeBundleOrModelFileThatIsNotARegularReadableFileIsRefusedWithoutOpeningIt() throws IOException {
        for (String[] bad : badFiles()) {
            createRefused(2, "--runtime-bundle " + bad[0], "--model-file", gguf.toString(), "--runtime-bundle", bad[0]);
            refused(2, bad[1], "create", "demo", "--dry-run", "--model-file", gguf.toString(), "--runtime-bundle", bad[0]);
            createRefused(2, "--model-file " + bad[0], "--model-file", bad[0]);
            refused(2, bad[1], "plan", "--model-file", bad[0]);
        }
        // a path given as the model (-m) is held to the same rule
        createRefused(2, "-m/--model " + f("pipe.gguf") + " is a FIFO", "-m", f("pipe.gguf"));
        refused(2, "is a character device", "plan", "-m", f("zero.gguf"));
    }

    @Test
    void anExposedAddressMustBeAnIpLiteralOfThisHost() throws IOException {
        createRefused(2, "must be an IP address, not 'gpu1.example'", "--model-file", gguf.toString(), "--expose", "gpu1.example");
        createRefused(2, "'192.0.2.1' is not an address of this host", "--model-file", gguf.toString(), "--expose", "192.0.2.1");
        createRefused(2, "every address", "--model-file", gguf.toString(), "--expose", "0.0.0.0");
        createRefused(2, "every address", "--model-file", gguf.toString(), "--expose", "::");
    }

    @Test
    void aPortOutsideTheRangeIsBadInputAndATakenOneIsInUse() throws IOException {
        createRefused(2, "invalid port 0", "--model-file", gguf.toString(), "--port", "0");
        createRefused(2, "invalid port 70000", "--model-file", gguf.toString(), "--port", "70000");
        createRefused(2, "'0x50' is not an int", "--model-file", gguf.toString(), "--port", "0x50");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            String port = Integer.toString(taken.getLocalPort());
            createRefused(7, "port " + port + " on 127.0.0.1 is already in use", "--model-file", gguf.toString(), "--port", port);
        }
    }

    @Test
    void aContextOrCpuCountBelowOneIsRefused() throws IOException {
        for (String c : List.of("0", "-3")) {
            for (String option : List.of("--context", "--cpus")) {
                createRefused(2, option + " " + c + " is below 1", "--model-file", gguf.toString(), option, c);
                refused(2, option + " " + c + " is below 1", "plan", "--model-file", gguf.toString(), option, c);
            }
        }
    }

    /** Names, sizes, ports, model references, URIs, paths, durations: taken exactly as typed, never trimmed. */
    @Test
    void valuesWithSpacesOrLineBreaksAroundThemAreRefused() throws IOException {
        String[][] cases = {
            {"--memory", "4GiB ", "--memory '4GiB ' has a space after it"},
            {"--disk", "\n20GiB", "--disk '\\u000a20GiB' holds a line break"},
            {"--timeout", "10m\n", "--timeout '10m\\u000a' holds a line break"},
            {"--egress", " sealed", "--egress ' sealed' has a space before it"},
            {"-r", "ollama ", "--runtime 'ollama ' has a space after it"},
            {"--kv-cache", "q8_0\t", "--kv-cache 'q8_0\\u0009' holds a control character"},
            {"--gpu", "none ", "--gpu 'none ' has a space after it"},
            {"--image", "ubuntu-24.04 ", "--image 'ubuntu-24.04 ' has a space after it"},
            {"-m", "qwen2.5:0.5b ", "--model 'qwen2.5:0.5b ' has a space after it"},
            {"--connect", "qemu:///system ", "--connect 'qemu:///system ' has a space after it"},
            {"--expose", "127.0.0.1\n", "--expose '127.0.0.1\\u000a' holds a line break"},
            {"--runtime-sha256", "a".repeat(64) + " ", "--runtime-sha256"},
            {"--runtime-bundle", f("good.gguf") + " ", "has a space after it"},
            {"--model-file", f("good.gguf") + "\n", "holds a line break"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("--model-file", gguf.toString(), c[0], c[1]));
            if (c[0].equals("--model-file") || c[0].equals("-m")) {
                args = new ArrayList<>(List.of(c[0], c[1]));
            }
            createRefused(2, c[2], args.toArray(String[]::new));
        }
        createRefused(2, "'8080 ' is not an int", "--model-file", gguf.toString(), "--port", "8080 ");
        refused(2, "invalid instance name 'demo\\u000a'", "create", "demo\n", "--dry-run", "--model-file", gguf.toString());
        refused(2, "--memory", "plan", "--model-file", gguf.toString(), "--memory", "8GiB\n");
        refused(2, "--connect 'qemu+ssh://gpu1/system\\u000a' holds a line break", "plan", "--model-file", gguf.toString(),
                "--connect", "qemu+ssh://gpu1/system\n");
        refused(2, "--connect 'qemu:///system ' has a space after it", "doctor", "--connect", "qemu:///system ");
        refused(2, "--timeout '40m ' has a space after it", "image", "build", "--timeout", "40m ");
    }

    @Test
    void aNameThatIsTakenOrABadChecksumIsRefusedBeforeAProviderIsAsked() throws IOException {
        record("kept", "11434");
        createRefusedAs("kept", 7, "an instance named 'kept' already exists");
        createRefused(2, "the sha256 given for --runtime-sha256 is not 64 hex digits", "--model-file", gguf.toString(),
                "--runtime-sha256", "xyz");
        createRefused(2, "the sha256 given for --model-sha256 is not 64 hex digits", "--model-file", gguf.toString(),
                "--model-sha256", "xyz");
        createRefused(3, "tcp transport", "--model-file", gguf.toString(), "--connect", "qemu+tcp://gpu1/system");
    }

    private void createRefusedAs(String name, int code, String says) throws IOException {
        for (String dry : List.of("--dry-run", "--keep-on-failure")) {
            refused(code, says, "create", name, dry, "-p", "multipass", "--model-file", gguf.toString());
        }
    }

    /** config set: each key's value by the rule of the flag it stands for; nothing is written when refused. */
    @Test
    void configSetChecksEachValueByItsFlagsRule() throws IOException {
        String[][] cases = {
            {"2", "provider", "virtualbox", "unknown provider 'virtualbox'"},
            {"2", "provider", "libvirt ", "provider 'libvirt ' has a space after it"},
            {"2", "libvirt.uri", "not a uri", "not a libvirt connection URI"},
            {"3", "libvirt.uri", "qemu+tcp://gpu1/system", "tcp transport"},
            {"2", "libvirt.uri", "qemu:///system\n", "holds a line break"},
            {"2", "egress", "sealed ", "egress 'sealed ' has a space after it"},
            {"2", "egress", "closed", "unknown egress policy 'closed'"},
            {"2", "runtime", "nonsense", "unknown runtime 'nonsense'"},
            {"2", "model", "llama3;rm -rf /", "model"},
            {"2", "model", f("pipe.gguf"), "is a FIFO"},
            {"2", "model", f("loop-a.gguf"), "symbolic link that does not lead to a file"},
            {"2", "tunnel.bind", "0.0.0.0", "every address"},
            {"2", "tunnel.bind", "localhost", "must be an IP address"},
            {"2", "tunnel.bind", "192.0.2.1", "not an address of this host"},
            {"2", "create.timeout", "0", "invalid duration for create.timeout"},
            {"2", "create.timeout", "45m ", "has a space after it"},
        };
        for (String[] c : cases) {
            refused(Integer.parseInt(c[0]), c[3], "config", "set", c[1], c[2]);
        }
        for (String key : dev.vmbox.config.VmboxConfig.load(null, Map.of()).all().stream()
                .map(dev.vmbox.config.Setting::key).toList()) {
            assertTrue(SettingRules.RULES.containsKey(key), "a rule for every setting: " + key);
        }
        Result ok = cli.run("config", "set", "tunnel.bind", "::1");
        assertEquals(0, ok.exitCode(), ok.toString());
    }

    /** tunnel start --port/--expose: the same rules; a refused move leaves the record as it was and starts nothing. */
    @Test
    void tunnelStartChecksItsPortAndAddressBeforeChangingAnything() throws IOException {
        record("kept", "11434");
        String before = Files.readString(home.resolve("kept/instance.json"));
        refused(2, "invalid port 0", "tunnel", "start", "kept", "--port", "0");
        refused(2, "must be an IP address, not 'gpu1.example'", "tunnel", "start", "kept", "--expose", "gpu1.example");
        refused(2, "not an address of this host", "tunnel", "start", "kept", "--expose", "192.0.2.1");
        refused(2, "'8080\\u000a' is not an int", "tunnel", "start", "kept", "--port", "8080\n");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            refused(7, "already in use", "tunnel", "start", "kept", "--port", Integer.toString(taken.getLocalPort()));
        }
        assertEquals(before, Files.readString(home.resolve("kept/instance.json")), "the record is as it was");
    }

    private void record(String name, String port) {
        FakeHosts.record(home, name, "multipass", Map.of(), Map.of("runtime", "ollama", "runtimePort", "11434", "apiPort", port,
                "apiBind", "127.0.0.1"));
    }
}
