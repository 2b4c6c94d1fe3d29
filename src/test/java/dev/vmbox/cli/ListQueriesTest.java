package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.testing.CliHarness;
import dev.vmbox.testing.CliHarness.Result;
import dev.vmbox.testing.FakeHosts;
import dev.vmbox.testing.FakeProviders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmbox list} asks each provider connection once, whatever the number of instances: one {@code virsh} per
 * libvirt URI (on a remote qemu+ssh host, one ssh connection), one {@code limactl list}, one {@code multipass list};
 * {@code vmbox status NAME} asks about that instance alone. Counted on the fake CLIs (src/test/resources/fakes), each
 * of which logs every call.
 */
class ListQueriesTest {
    static final String GPU1 = "qemu+ssh://admin@gpu1/system";
    static final String GPU2 = "qemu+ssh://admin@gpu2/system";

    @TempDir
    Path tmp;
    Path home;
    FakeHosts hosts;
    FakeProviders fakes;
    CliHarness cli;

    @BeforeEach
    void setUp() {
        home = tmp.resolve("home");
        hosts = FakeHosts.install(tmp);
        fakes = hosts.fakes();
        cli = new CliHarness(home).env("PATH", hosts.path());
    }

    private void record(String name, String provider, Map<String, String> ref) {
        FakeHosts.record(home, name, provider, ref, Map.of("runtime", "ollama", "apiPort", "11434", "apiBind", "127.0.0.1"));
    }

    /** A libvirt domain in the fake's state (and, for a local URI, its disk where vmbox keeps it). */
    private void domain(String name, String state, boolean local) throws IOException {
        Path d = Files.createDirectories(hosts.virshState().resolve("domains"));
        Files.writeString(d.resolve("vmbox-" + name + ".xml"), "<domain type='qemu'><name>vmbox-" + name + "</name></domain>\n");
        Files.writeString(d.resolve("vmbox-" + name + ".state"), state + "\n");
        if (local) {
            Path disk = Files.createDirectories(home.resolve("_libvirt").resolve(name));
            Files.writeString(disk.resolve("disk.qcow2"), "overlay");
        }
    }

    private static void run(Path bin, String stdin, String... argv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(argv));
        cmd.set(0, bin.resolve(argv[0]).toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().write(stdin.getBytes());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
    }

    private List<String> connections() {
        return hosts.virshConnections();
    }

    private void forget() {
        hosts.forgetCalls();
    }

    @Test
    void listAsksEachConnectionOnceAndStatusOnlyItsInstance() throws Exception {
        for (int i = 0; i < 12; i++) {
            record("here" + i, "libvirt", Map.of("uri", "qemu:///session"));
            domain("here" + i, i % 2 == 0 ? "running" : "shut off", true);
        }
        for (int i = 0; i < 5; i++) {
            record("far" + i, "libvirt", Map.of("uri", i < 3 ? GPU1 : GPU2));
            domain("far" + i, "running", false);
        }
        record("never", "libvirt", Map.of("uri", GPU1));
        for (int i = 0; i < 4; i++) {
            record("mac" + i, "lima", Map.of());
            // the marker vmbox's lima.yaml carries (LimaTemplate.marker): without it the VM is not vmbox's
            run(fakes.bin(), "cpus: 1\nmessage: \"vmbox instance 'mac" + i + "': made by vmbox; manage it with vmbox (`vmbox delete mac"
                    + i + "` removes it)\"\n", "limactl", "create", "--tty=false", "--name=vmbox-mac" + i, "-");
            record("mp" + i, "multipass", Map.of());
            run(fakes.bin(), "#cloud-config\n", "multipass", "launch", "--name", "vmbox-mp" + i, "--cloud-init", "-",
                    "--timeout", "60", "24.04");
        }
        forget();

        Result list = cli.run("list", "--json");
        assertEquals(0, list.exitCode(), list.toString());
        List<String> virsh = connections();
        assertEquals(3, virsh.size(), "one virsh per URI (session, gpu1, gpu2): " + virsh);
        for (String uri : List.of("qemu:///session", GPU1, GPU2)) {
            assertEquals(1, virsh.stream().filter(l -> l.startsWith("virsh -q -c " + uri + " ")).count(), uri + ": " + virsh);
        }
        assertEquals(List.of(List.of("list", "--tty=false", "--log-format=json", "--format", "json")), fakes.limaCalls());
        assertEquals(List.of(List.of("list", "--format", "json")), fakes.multipassCalls());
        String json = list.out();
        for (String row : List.of("\"name\":\"here0\",\"state\":\"RUNNING\"", "\"name\":\"here1\",\"state\":\"STOPPED\"",
            "\"name\":\"far4\",\"state\":\"RUNNING\"", "\"name\":\"never\",\"state\":\"BROKEN\"",
            "\"name\":\"mac3\",\"state\":\"STOPPED\"", "\"name\":\"mp0\",\"state\":\"RUNNING\"")) {
            assertTrue(json.replace(" ", "").replace("\n", "").contains(row), row + " in " + json);
        }

        forget();
        assertEquals(0, cli.run("status", "far1").exitCode());
        assertEquals(List.of("virsh -q -c " + GPU1 + " domstate vmbox-far1"), connections(), "that instance alone");
        forget();
        assertEquals(0, cli.run("status", "mp2").exitCode());
        assertEquals(List.of(List.of("info", "--format", "json", "vmbox-mp2")), fakes.multipassCalls());
        assertTrue(fakes.limaCalls().isEmpty() && connections().isEmpty());
    }
}
