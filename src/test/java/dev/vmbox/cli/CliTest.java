package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.spec.InstanceName;
import dev.vmbox.store.FileNames;
import dev.vmbox.testing.CliHarness;
import dev.vmbox.testing.CliHarness.Result;
import dev.vmbox.testing.FakeBin;
import dev.vmbox.testing.FakeProviders;
import dev.vmbox.testing.NodeDeviceFixture;
import dev.vmbox.testing.SysfsFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI in-process: exit codes, text and JSON output, errors as one line plus a hint. */
class CliTest {
    @TempDir
    Path tmp;
    CliHarness cli;
    Path home;

    @BeforeEach
    void setUp() {
        home = tmp.resolve("vmbox-home");
        cli = new CliHarness(home);
    }

    @Test
    void versionAndHelpListTheExitCodes() {
        Result v = cli.run("--version");
        assertEquals(0, v.exitCode(), v.toString());
        assertTrue(v.out().startsWith("vmbox "), v.toString());
        Result h = cli.run("--help");
        assertEquals(0, h.exitCode());
        for (String s : new String[] {"doctor", "list", "config", "Exit codes:", "70", "130", "--debug"}) {
            assertTrue(h.out().contains(s), s + " missing from help:\n" + h.out());
        }
    }

    @Test
    void badUsageIsExitTwoWithAHint() {
        Result r = cli.run("lst");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("vmbox: "), r.toString());
        assertTrue(r.err().contains("Did you mean: vmbox ls"), "suggests the right command: " + r);
        assertEquals(2, cli.run("list", "--no-such-flag").exitCode());
    }

    @Test
    void listIsEmptyAndFastOnANewHome() throws Exception {
        Result r = cli.run("list");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().contains("No instances"));
        Result j = cli.run("list", "--json");
        assertEquals(0, j.exitCode());
        assertEquals(0, new ObjectMapper().readTree(j.out()).size());
    }

    @Test
    void listAsksTheProviderAndShowsCorruptRecordsAsBroken() throws Exception {
        FakeProviders fakes = FakeProviders.install(tmp.resolve("fakes"));
        cli.env("PATH", fakes.bin() + ":/usr/bin:/bin");
        Path good = home.resolve("llm");
        Files.createDirectories(good);
        Files.writeString(good.resolve(FileNames.INSTANCE_RECORD), "{\"schema\":1,\"name\":\"llm\",\"provider\":\"multipass\","
                + "\"phase\":\"READY\",\"settings\":{\"runtime\":\"ollama\",\"model\":\"qwen2.5:0.5b\",\"apiPort\":11434}}");
        Path bad = home.resolve("mangled");
        Files.createDirectories(bad);
        Files.writeString(bad.resolve(FileNames.INSTANCE_RECORD), "\u0000\u0001 not json");
        Result r = cli.run("list");
        assertEquals(0, r.exitCode(), r.toString());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("NAME"), r.out());
        assertTrue(lines[1].startsWith("llm ") && lines[1].contains("http://127.0.0.1:11434"), r.out());
        assertTrue(lines[1].contains("BROKEN") && lines[1].contains("gone"),
                "the record says READY but multipass has no such VM: " + r.out());
        assertTrue(lines[2].startsWith("mangled") && lines[2].contains("BROKEN"), r.out());
        assertEquals(lines[0].indexOf("STATE"), lines[1].indexOf("BROKEN"), "columns aligned:\n" + r.out());
        JsonNode j = new ObjectMapper().readTree(cli.run("list", "--json").out());
        assertEquals("llm", j.get(0).get("name").asText());
        assertEquals("BROKEN", j.get(1).get("state").asText());
        assertEquals("llm\nmangled\n", cli.run("list", "-q").out());
    }

    @Test
    void doctorReportsTextAndJsonAndExitsThreeWithoutAProvider() throws Exception {
        FakeBin bin = new FakeBin(tmp.resolve("bin"));
        SysfsFixture sys = new SysfsFixture(tmp.resolve("root")).cpuinfo("fpu");
        cli.env("PATH", bin.path()).systemRoot(sys.root());
        Result r = cli.run("doctor");
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("MISSING  lima"), r.out());
        assertTrue(r.out().contains("brew install lima"), r.out());
        assertTrue(r.out().contains("software emulation"), r.out());
        Result j = cli.run("doctor", "--json");
        assertEquals(3, j.exitCode());
        JsonNode doc = new ObjectMapper().readTree(j.out());
        assertEquals(0, doc.get("usableProviders").size());
        assertTrue(doc.get("checks").size() > 5);

        bin.script("limactl", "case \"$1\" in --version) echo 'limactl version 2.2.0';; list) exit 0;; esac");
        Result ok = cli.run("doctor");
        assertEquals(0, ok.exitCode(), ok.toString());
        assertTrue(ok.out().contains("Usable providers: lima"), ok.out());
    }

    @Test
    void configSetGetListAndBadFilesAreClearErrors() throws Exception {
        Result set = cli.run("config", "set", "libvirt.uri", "qemu+ssh://gpu1/system");
        assertEquals(0, set.exitCode(), set.toString());
        assertEquals("qemu+ssh://gpu1/system\n", cli.run("config", "get", "libvirt.uri").out());
        Result list = cli.run("config", "list");
        assertTrue(list.out().contains("libvirt.uri") && list.out().contains("file "), list.out());
        cli.env("VMBOX_LIBVIRT_URI", "qemu:///session");
        assertEquals("qemu:///session\n", cli.run("config", "get", "libvirt.uri").out());
        Result unknown = cli.run("config", "set", "libvirt.url", "x");
        assertEquals(2, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("unknown setting 'libvirt.url'"), unknown.toString());
        Files.writeString(home.resolve("_config/config.yaml"), "egress: [\n");
        Result broken = cli.run("config", "list");
        assertEquals(2, broken.exitCode(), broken.toString());
        assertTrue(broken.err().startsWith("vmbox: cannot use the config file"), broken.toString());
        assertTrue(broken.err().contains("hint: "), broken.toString());
    }

    @Test
    void aFailureIsTwoLinesTheErrorAndItsHint() {
        Result r = cli.run("status", "nosuch");
        assertEquals(4, r.exitCode(), r.toString());
        List<String> lines = r.err().lines().toList();
        assertEquals(2, lines.size(), r.toString());
        assertTrue(lines.get(0).startsWith("vmbox: ") && lines.get(1).startsWith("hint: "), r.toString());
        assertTrue(lines.get(1).contains("--debug"), "says that --debug shows more: " + r);
    }

    @Test
    void completionScriptIsGenerated() {
        Result r = cli.run("generate-completion");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("complete") && r.out().contains("vmbox"), r.out().substring(0, 200));
    }

    @Test
    void debugShowsExternalCommands() throws Exception {
        FakeBin bin = new FakeBin(tmp.resolve("bin"))
                .script("limactl", "case \"$1\" in --version) echo 'limactl version 2.2.0';; list) exit 0;; esac");
        cli.env("PATH", bin.path()).systemRoot(new SysfsFixture(tmp.resolve("root")).root());
        Result r = cli.run("doctor", "--debug");
        assertTrue(r.err().contains("debug") && r.err().contains("run: limactl --version"), r.toString());
        Result quiet = cli.run("doctor");
        assertFalse(quiet.err().contains("run: limactl"), quiet.toString());
    }

    @Test
    void createDryRunPrintsThePlanAndTheProviderCommandsAndMakesNothing() throws Exception {
        FakeProviders fakes = FakeProviders.install(tmp.resolve("fakes"));
        cli.env("PATH", fakes.bin() + ":/usr/bin:/bin").env("VMBOX_OFFLINE", "1");
        Path gguf = Path.of(System.getProperty("vmbox.repo", ".")).resolve("src/test/resources/fixtures/gguf/tiny-llama.gguf");
        Result r = cli.run("create", "demo", "--dry-run", "-p", "multipass", "--model-file", gguf.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("Reasoning:"), r.out());
        assertTrue(r.out().contains("multipass launch --name vmbox-demo --cpus"), r.out());
        assertTrue(r.out().contains("--cloud-init -"), "user-data goes on stdin, never argv: " + r.out());
        assertFalse(Files.exists(home.resolve("demo")), "a dry run makes nothing");
        assertTrue(fakes.multipassCalls().stream().noneMatch(c -> c.get(0).equals("launch")), fakes.multipassCalls().toString());

        Result bad = cli.run("create", "Bad_Name", "--dry-run");
        assertEquals(2, bad.exitCode(), bad.toString());
        Result hostile = cli.run("create", "ok", "--dry-run", "-m", "llama3;rm -rf /");
        assertEquals(2, hostile.exitCode(), hostile.toString());
        Result exposed = cli.run("create", "ok", "--dry-run", "-p", "multipass", "--model-file", gguf.toString(),
                "--port", "70000");
        assertEquals(2, exposed.exitCode(), exposed.toString());
        for (String t : new String[] {"0", "999999", "10x", "-5m"}) {
            Result timeout = cli.run("create", "ok", "--dry-run", "-p", "multipass", "--model-file", gguf.toString(),
                    "--timeout", t);
            assertEquals(2, timeout.exitCode(), t + ": " + timeout);
        }
        Result sha = cli.run("create", "ok", "--dry-run", "-m", "qwen2.5:0.5b", "--model-sha256", "a".repeat(64));
        assertEquals(2, sha.exitCode(), sha.toString());
    }

    @Test
    void doctorConnectChecksTheRemoteHostAndItsGpus() throws Exception {
        Path bin = tmp.resolve("libvirt/bin");
        Path state = NodeDeviceFixture.installFakes(bin);
        NodeDeviceFixture.gpuServer().writeReady(state);
        cli.env("PATH", bin + ":/usr/bin:/bin").systemRoot(Files.createDirectories(tmp.resolve("this-machine")));
        Result r = cli.run("doctor", "--connect", "qemu+ssh://admin@gpu1:2222/system?keyfile=/keys/id_gpu1");
        assertEquals(0, r.exitCode(), r.toString());
        for (String row : new String[] {"64 logical CPUs", "pool vmbox", "not there yet", "IOMMU", "0000:01:00.0",
            "AD102 [GeForce RTX 4090]", "IOMMU group 1 with 0000:01:00.1", "0000:02:00.0", "boot display", "VFIO"}) {
            assertTrue(r.out().contains(row), row + " missing:\n" + r.out());
        }
        assertFalse(r.out().contains("/dev/kvm"), "nothing of this machine: " + r.out());
        Result json = cli.run("doctor", "--json", "--connect", "qemu+ssh://admin@gpu1:2222/system?keyfile=/keys/id_gpu1");
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertEquals("libvirt", doc.get("usableProviders").get(0).asText(), json.toString());

        Files.writeString(state.resolve("mode"), "unreachable");
        Result down = cli.run("doctor", "--connect", "qemu+ssh://admin@gpu1:2222/system?keyfile=/keys/id_gpu1");
        assertEquals(3, down.exitCode(), down.toString());
        Result tcp = cli.run("doctor", "--connect", "qemu+tcp://gpu1/system");
        assertEquals(3, tcp.exitCode(), tcp.toString());
        assertTrue(tcp.err().contains("tcp transport"), tcp.toString());
    }

    @Test
    void aRemoteGpuHostIsPlannedForByPlanAndCreateButNeverContactedByADryRun() throws Exception {
        Path bin = tmp.resolve("libvirt/bin");
        Path state = NodeDeviceFixture.installFakes(bin);
        NodeDeviceFixture.gpuServer().writeReady(state);
        Files.writeString(state.resolve("nvidia-smi.out"), "00000000:01:00.0, 24564\n");
        Path noGpuHere = Files.createDirectories(tmp.resolve("this-machine"));
        cli.env("PATH", bin + ":/usr/bin:/bin").env("VMBOX_OFFLINE", "1").systemRoot(noGpuHere);
        Path gguf = Path.of(System.getProperty("vmbox.repo", ".")).resolve("src/test/resources/fixtures/gguf/tiny-llama.gguf");
        String uri = "qemu+ssh://admin@gpu1:2222/system?keyfile=/keys/id_gpu1";

        Result dry = cli.run("create", "demo", "--dry-run", "-p", "libvirt", "--connect", uri, "--gpu", "auto",
                "--model-file", gguf.toString());
        assertEquals(0, dry.exitCode(), dry.toString());
        assertTrue(dry.out().contains("chosen from the libvirt host's node devices"), dry.out());
        String calls = Files.exists(state.resolve("calls.log")) ? Files.readString(state.resolve("calls.log")) : "";
        assertFalse(calls.contains("nodedev") || calls.contains("nodeinfo") || calls.lines().anyMatch(l -> l.startsWith("ssh ")),
                "a dry run reads nothing of gpu1 (over virsh or ssh): " + calls);
        assertFalse(Files.exists(home.resolve("demo")), "a dry run makes nothing");

        Result plan = cli.run("plan", "--connect", uri, "--gpu", "auto", "--model-file", gguf.toString());
        assertEquals(0, plan.exitCode(), plan.toString());
        assertTrue(plan.out().contains("RTX 4090") && plan.out().contains("0000:01:00.0"), "sized for gpu1's GPU: " + plan.out());

        Files.writeString(state.resolve("ssh-mode"), "refused");
        Result unknown = cli.run("create", "demo", "-p", "libvirt", "--connect", uri, "--gpu", "auto", "--model-file",
                gguf.toString());
        assertEquals(2, unknown.exitCode(), "a GPU that cannot be checked is never a quiet CPU-only VM: " + unknown);
        assertTrue(unknown.err().contains("--gpu auto cannot use 0000:01:00.0 on gpu1 may be the boot display")
                && unknown.err().contains("Permission denied"), unknown.toString());
        Files.delete(state.resolve("ssh-mode"));

        Result none = cli.run("create", "demo", "-p", "libvirt", "--connect", uri, "--gpu", "0000:02:00.0", "--model-file",
                gguf.toString());
        assertEquals(2, none.exitCode(), none.toString());
        assertTrue(none.err().contains("0000:02:00.0 on gpu1") && none.err().contains("boot display"), none.toString());
        assertFalse(Files.exists(home.resolve("demo")), "refused while planning, before anything is made");
    }
    @Test
    void everyNameFollowsTheOneInstanceNameRuleAndItsHelpSaysSo() {
        String[][] commands = {{"status"}, {"start"}, {"stop"}, {"delete"}, {"rm"}, {"logs"}, {"verify"}, {"ssh"},
            {"exec", "--", "true"}, {"tunnel", "start"}, {"tunnel", "stop"}, {"tunnel", "status"}};
        for (String[] c : commands) {
            String[] head = c[0].equals("tunnel") ? c : new String[] {c[0]};
            String[] tail = c[0].equals("tunnel") ? new String[0] : java.util.Arrays.copyOfRange(c, 1, c.length);
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(head));
            args.add("Bad_Name");
            args.addAll(java.util.List.of(tail));
            Result r = cli.run(args.toArray(String[]::new));
            assertEquals(2, r.exitCode(), args + ": " + r);
            assertTrue(r.err().startsWith("vmbox: invalid instance name 'Bad_Name'"), args + ": " + r);
            assertTrue(r.err().contains("hint: use " + InstanceName.RULE), args + ": " + r);
            java.util.List<String> help = new java.util.ArrayList<>(java.util.List.of(head));
            help.add("--help");
            String text = cli.run(help.toArray(String[]::new)).out().replaceAll("\\s+", " ");
            assertTrue(text.contains(InstanceName.RULE), help + " states the rule:\n" + text);
        }
        assertFalse(Files.exists(home.resolve("Bad_Name")), "nothing made for a refused name");
    }

    @Test
    void aModelNamedTwiceIsRefused() throws Exception {
        Path gguf = Path.of(System.getProperty("vmbox.repo", ".")).resolve("src/test/resources/fixtures/gguf/tiny-llama.gguf");
        cli.env("VMBOX_OFFLINE", "1");
        for (String cmd : new String[] {"plan", "create"}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(cmd));
            if (cmd.equals("create")) {
                args.addAll(java.util.List.of("demo", "--dry-run"));
            }
            args.addAll(java.util.List.of("-m", "qwen2.5:0.5b", "--model-file", gguf.toString()));
            Result r = cli.run(args.toArray(String[]::new));
            assertEquals(2, r.exitCode(), r.toString());
            assertTrue(r.err().contains("both name the model") && r.err().contains("hint: give one"), r.toString());
        }
        assertFalse(Files.exists(home.resolve("demo")));
    }
}
