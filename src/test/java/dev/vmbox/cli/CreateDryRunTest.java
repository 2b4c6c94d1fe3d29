package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vmbox.download.Sha256;
import dev.vmbox.provider.CreatePlanRunner;
import dev.vmbox.testing.CliHarness;
import dev.vmbox.testing.CliHarness.Result;
import dev.vmbox.testing.FakeProviders;
import dev.vmbox.testing.NodeDeviceFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmbox create --dry-run} prints exactly the commands the real create runs, for each provider: the CLI is run
 * twice with the same arguments, once with {@code --dry-run} (which must run none of them) and once for real against
 * the fake provider CLIs, and the "$" lines the dry run printed are compared with the commands the run logged
 * ({@code create plan: STEP: $ ARGV}, with {@code --debug}) and with what reached the fakes. The fakes let the VM stop
 * right after it booted, so the real run ends at the ssh step and rolls back.
 */
class CreateDryRunTest {
    private static final Pattern PRINTED = Pattern.compile("^\\s+\\$ (.*?)(" + Pattern.quote(CreatePlanRunner.ANNOTATION)
            + "(.*))?$");
    private static final Pattern LOGGED = Pattern.compile(Pattern.quote(CreatePlanRunner.LOG_PREFIX) + "[^ :]+: \\$ (.*)$");

    @TempDir
    Path tmp;
    Path home;
    CliHarness cli;
    List<String> modelArgs;

    /** One printed command: its argv as displayed, and whether it runs only under a condition. */
    record Printed(String line, boolean conditional) {
    }

    @BeforeEach
    void setUp() throws IOException {
        home = tmp.resolve("home");
        cli = new CliHarness(home).env("VMBOX_OFFLINE", "1");
        Path gguf = Path.of(System.getProperty("vmbox.repo", ".")).resolve("src/test/resources/fixtures/gguf/tiny-llama.gguf");
        Path bundle = Files.writeString(tmp.resolve("ollama-linux-amd64.tgz"), "a runtime bundle vouched for by the test");
        modelArgs = List.of("--model-file", gguf.toString(), "--runtime-bundle", bundle.toString(), "--runtime-sha256",
                Sha256.of(bundle), "--timeout", "2m");
    }

    private String[] create(boolean dryRun, String... providerArgs) {
        List<String> args = new ArrayList<>(List.of("--debug", "create", "demo"));
        if (dryRun) {
            args.add("--dry-run");
        }
        args.addAll(List.of(providerArgs));
        args.addAll(modelArgs);
        return args.toArray(String[]::new);
    }

    /** The "$" lines a dry run printed under "Provider commands", undo lines left out. */
    static List<Printed> printed(String out) {
        List<Printed> all = new ArrayList<>();
        boolean inPlan = false;
        for (String line : out.split("\n")) {
            inPlan = inPlan || line.startsWith("Provider commands");
            Matcher m = PRINTED.matcher(line);
            if (inPlan && m.matches()) {
                all.add(new Printed(m.group(1), m.group(3) != null && m.group(3).contains("only ")));
            }
        }
        return all;
    }

    /** The commands the run's plan ran, as it logged them (undo commands left out). */
    static List<String> logged(String err) {
        List<String> all = new ArrayList<>();
        for (String line : err.split("\n")) {
            Matcher m = LOGGED.matcher(line);
            if (m.find()) {
                all.add(m.group(1));
            }
        }
        return all;
    }

    /**
     * The run ran exactly the printed commands, in order: every unconditional one, and of the conditional ones those
     * whose condition held; nothing it ran was not printed.
     */
    static void assertRunIsThePlan(List<Printed> printed, List<String> logged) {
        int j = 0;
        for (Printed p : printed) {
            if (j < logged.size() && logged.get(j).equals(p.line())) {
                j++;
            } else if (!p.conditional()) {
                fail("the run did not run the printed command\n  " + p.line() + "\nprinted:\n  " + join(printed)
                        + "\nran:\n  " + String.join("\n  ", logged));
            }
        }
        if (j != logged.size()) {
            fail("the run ran commands the dry run did not print, from\n  " + logged.get(j) + "\nprinted:\n  " + join(printed)
                    + "\nran:\n  " + String.join("\n  ", logged));
        }
    }

    private static String join(List<Printed> printed) {
        return String.join("\n  ", printed.stream().map(p -> p.line() + (p.conditional() ? "   (conditional)" : "")).toList());
    }

    private void cachedImage() throws IOException {
        Path image = Files.createDirectories(home.resolve("_cache/images/vmbox-debian-12"));
        Files.writeString(image.resolve("disk.qcow2"), "VIRTUAL_SIZE=3221225472\n");
        Files.writeString(image.resolve("vmlinuz"), "kernel");
        Files.writeString(image.resolve("initrd.img"), "initrd");
        Files.writeString(image.resolve("cmdline"), "root=LABEL=root ro console=ttyS0\n");
    }

    private static void assertFailedAtSshAndRolledBack(Result real) {
        assertNotEquals(0, real.exitCode(), real.toString());
        assertTrue(real.err().contains("create failed at step 'ssh'") && real.err().contains("everything made was removed"),
                real.toString());
    }

    @Test
    void multipass() throws IOException {
        FakeProviders fakes = FakeProviders.install(tmp.resolve("fakes"));
        fakes.multipassFaults(Map.of("ipv4", "127.0.0.1", "launch", "stopped"));
        cli.env("PATH", fakes.bin() + ":/usr/bin:/bin");
        Result dry = cli.run(create(true, "-p", "multipass"));
        assertEquals(0, dry.exitCode(), dry.toString());
        assertTrue(fakes.multipassCalls().stream().noneMatch(c -> List.of("info", "launch", "delete").contains(c.get(0))),
                "a dry run runs none of the plan: " + fakes.multipassCalls());
        assertFalse(Files.exists(home.resolve("demo")), "a dry run makes nothing");
        assertTrue(dry.out().contains("stdin: the seed's user-data (never shown)"), dry.out());
        assertFalse(dry.out().contains("cloud-init/user-data"), "names no file a dry run never writes: " + dry.out());

        Result real = cli.run(create(false, "-p", "multipass"));
        assertFailedAtSshAndRolledBack(real);
        List<String> ran = logged(real.err());
        assertRunIsThePlan(printed(dry.out()), ran);
        List<String> reached = fakes.multipassCalls().stream().map(c -> "multipass " + String.join(" ",
                c.stream().filter(a -> !a.startsWith("<stdin")).toList())).toList();
        assertTrue(reached.containsAll(ran), "each logged command reached multipass as printed: " + reached);
        assertTrue(ran.stream().anyMatch(c -> c.startsWith("multipass launch --name vmbox-demo ") && c.contains(" --timeout 105 ")),
                "Multipass's own wait: the whole create's 2 minutes less 15 s, in the dry run and the run: " + ran);
    }

    @Test
    void lima() throws IOException {
        FakeProviders fakes = FakeProviders.install(tmp.resolve("fakes"));
        fakes.limaFaults(Map.of("start", "stops"));
        cli.env("PATH", fakes.bin() + ":/usr/bin:/bin");
        Result dry = cli.run(create(true, "-p", "lima", "--image", "ubuntu-24.04"));
        assertEquals(0, dry.exitCode(), dry.toString());
        assertTrue(fakes.limaCalls().stream().noneMatch(c -> List.of("create", "start", "delete").contains(c.get(0))),
                "a dry run runs none of the plan: " + fakes.limaCalls());
        assertFalse(Files.exists(home.resolve("demo")), "a dry run makes nothing");

        Result real = cli.run(create(false, "-p", "lima", "--image", "ubuntu-24.04"));
        assertFailedAtSshAndRolledBack(real);
        List<String> ran = logged(real.err());
        assertRunIsThePlan(printed(dry.out()), ran);
        assertTrue(ran.contains("limactl start --tty=false --log-format=json --timeout=105s vmbox-demo"),
                "Lima's own wait is what the dry run printed, not what was left when provisioning began: " + ran);
        List<String> reached = fakes.limaCalls().stream().map(c -> "limactl " + String.join(" ",
                c.stream().filter(a -> !a.startsWith("<stdin")).toList())).toList();
        assertTrue(reached.containsAll(ran), reached.toString());
        assertEquals(List.of(), fakes.limaInstances(), "rolled back");
    }

    @Test
    void libvirtOnThisMachine() throws IOException {
        Path bin = tmp.resolve("libvirt/bin");
        Path state = NodeDeviceFixture.installFakes(bin);
        cachedImage();
        cli.env("PATH", bin + ":/usr/bin:/bin").systemRoot(Files.createDirectories(tmp.resolve("this-machine")));
        String[] where = {"-p", "libvirt", "--connect", "qemu:///session"};
        Result dry = cli.run(create(true, where));
        assertEquals(0, dry.exitCode(), dry.toString());
        String probed = calls(state);
        assertFalse(probed.contains("domstate") || probed.contains("qemu-img") || probed.contains(" define "),
                "a dry run runs none of the plan: " + probed);
        assertFalse(Files.exists(home.resolve("_libvirt/demo")), "a dry run makes nothing");

        assertTrue(dry.out().contains("Once cloud-init has finished (step unseed), the guest is told to run it no more")
                && dry.out().contains("$ LC_ALL=… virsh -q -c qemu:///session detach-disk vmbox-demo vdb --config   # only "
                + "once cloud-init has finished (step unseed)"), "the seed's removal is printed too: " + dry.out());

        Files.writeString(state.resolve("mode"), "stops-after-start");
        Result real = cli.run(create(false, where));
        assertFailedAtSshAndRolledBack(real);
        List<String> ran = logged(real.err());
        assertRunIsThePlan(printed(dry.out()), ran);
        assertReachedTheFakes(ran, state);
        assertTrue(ran.stream().anyMatch(c -> c.startsWith("TMPDIR=… cloud-localds ")), "the real cloud-localds ran, its temporary "
                + "files in the private folder: " + ran);
        assertFalse(Files.exists(home.resolve("_libvirt/demo")), "rolled back");
    }

    @Test
    void libvirtOnARemoteHost() throws IOException {
        Path bin = tmp.resolve("libvirt/bin");
        Path state = NodeDeviceFixture.installFakes(bin);
        cachedImage();
        cli.env("PATH", bin + ":/usr/bin:/bin").systemRoot(Files.createDirectories(tmp.resolve("this-machine")));
        String[] where = {"-p", "libvirt", "--connect", "qemu+ssh://admin@gpu1:2222/system?keyfile=/keys/id_gpu1"};
        Result dry = cli.run(create(true, where));
        assertEquals(0, dry.exitCode(), dry.toString());
        String probed = calls(state);
        for (String never : List.of("nodeinfo", "pool-info", "vol-", "domstate", "define", "qemu-img")) {
            assertFalse(probed.contains(never), "a dry run contacts the remote host only to choose the provider, "
                    + "never for '" + never + "':\n" + probed);
        }
        assertTrue(dry.out().contains("Host:     not contacted by a dry run")
                && dry.out().contains("$ LC_ALL=… virsh -q -c 'qemu+ssh://admin@gpu1:2222/system?keyfile=/keys/id_gpu1' nodeinfo"),
                dry.out());
        assertTrue(dry.out().contains("host: not read (a dry run does not contact the host"), dry.out());

        Files.writeString(state.resolve("mode"), "stops-after-start");
        Result real = cli.run(create(false, where));
        assertFailedAtSshAndRolledBack(real);
        List<String> ran = logged(real.err());
        assertRunIsThePlan(printed(dry.out()), ran);
        String reached = assertReachedTheFakes(ran, state);
        assertTrue(reached.contains(" nodeinfo\n"), "the run read the host the dry run did not: " + reached);
        assertTrue(ran.stream().anyMatch(c -> c.contains(" vol-upload --pool vmbox --sparse vmbox-demo.seed.img ")), ran.toString());
    }

    /** Each command the run logged reached the fake virsh or qemu-img as printed (cloud-localds is the real one). */
    private static String assertReachedTheFakes(List<String> ran, Path state) throws IOException {
        String reached = calls(state);
        ran.stream().filter(c -> !c.contains("cloud-localds ")).forEach(c -> assertTrue(reached.contains(asCalled(c) + "\n"),
                c + " did not reach the fakes as printed:\n" + reached));
        return reached;
    }

    /** A displayed command as the fakes log their argv: no environment shown, no shell quotes. */
    private static String asCalled(String displayed) {
        return displayed.replace("LC_ALL=… ", "").replace("'", "");
    }

    private static String calls(Path state) throws IOException {
        Path log = state.resolve("calls.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }
}
