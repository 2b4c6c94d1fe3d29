package dev.vmbox.provider.lima;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.provider.SeedFixture;
import dev.vmbox.testing.FakeBin;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Lima system provisioning script, run for real by sh with recording stand-ins for cloud-init and
 * systemctl (its guest paths moved into a temp folder in the test's copy), and its cloud-init command
 * line checked against the real cloud-init's own argument parser.
 */
class ProvisionScriptTest {
    static final List<String> MODULES = List.of("write_files", "set_hostname", "update_hostname", "update_etc_hosts",
            "users_groups", "ssh", "set_passwords", "runcmd", "package_update_upgrade_install", "write_files_deferred");

    @TempDir
    Path tmp;
    Path script;
    Path state;
    Path calls;

    @BeforeEach
    void setUp() throws IOException {
        state = Files.createDirectories(tmp.resolve("var-lib-vmbox"));
        calls = tmp.resolve("calls.log");
        String text;
        try (InputStream in = LimaTemplate.class.getResourceAsStream("provision.sh")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(text.contains("/var/lib/vmbox/") && text.contains("/var/lib/cloud/instance/scripts/runcmd"));
        text = text.replace("/var/lib/vmbox", state.toString())
                .replace("/var/lib/cloud/instance/scripts/runcmd", tmp.resolve("runcmd").toString());
        script = tmp.resolve("provision.sh");
        Files.writeString(script, text);
        new FakeBin(tmp.resolve("bin"))
                .script("cloud-init", "echo \"cloud-init $*\" >> '" + calls + "'\n"
                        + "if [ \"$5\" = runcmd ]; then printf 'echo runcmd-ran >> %s\\n' '" + calls + "' > '"
                        + tmp.resolve("runcmd") + "'; fi")
                .script("systemctl", "echo \"systemctl $*\" >> '" + calls + "'");
    }

    private int run() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true);
        pb.environment().put("PATH", tmp.resolve("bin") + ":/usr/bin:/bin");
        Process p = pb.start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        p.getInputStream().readAllBytes();
        return p.exitValue();
    }

    private List<String> calls() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    @Test
    void appliesEveryModuleInOrderThenRunsRuncmdRestartsSshdAndMarksDone() throws Exception {
        Files.writeString(state.resolve("cloud-config.yaml"), SeedFixture.userData());
        assertEquals(0, run());
        List<String> expected = new ArrayList<>();
        for (String m : MODULES) {
            expected.add("cloud-init --file " + state.resolve("cloud-config.yaml") + " single --name " + m
                    + " --frequency always");
        }
        expected.add("runcmd-ran");
        expected.add("systemctl restart ssh.service");
        assertEquals(expected, calls());
        assertTrue(Files.exists(state.resolve("provisioned")));

        assertEquals(0, run(), "Lima runs it at every start");
        assertEquals(expected, calls(), "but it applies the cloud-config once");
    }

    @Test
    void failsLoudlyWhenTheCloudConfigIsMissing() throws Exception {
        assertEquals(1, run());
        assertEquals(List.of(), calls());
        assertFalse(Files.exists(state.resolve("provisioned")), "the readiness probe keeps waiting, then fails");
    }

    @Test
    void aFailingModuleStopsItBeforeTheMarker() throws Exception {
        Files.writeString(state.resolve("cloud-config.yaml"), SeedFixture.userData());
        new FakeBin(tmp.resolve("bin")).script("cloud-init", "echo \"cloud-init $*\" >> '" + calls + "'; exit 1");
        assertTrue(run() != 0);
        assertEquals(1, calls().size());
        assertFalse(Files.exists(state.resolve("provisioned")));
    }

    @Test
    void theRealCloudInitAcceptsTheCommandLineAndKnowsEveryModule() throws Exception {
        Path cloudInit = Path.of("/usr/bin/cloud-init");
        assumeTrue(Files.isExecutable(cloudInit), "cloud-init is installed by .ci/run");
        Path cfg = tmp.resolve("cfg.yaml");
        Files.writeString(cfg, SeedFixture.userData());
        Process p = new ProcessBuilder(cloudInit.toString(), "--file", cfg.toString(), "single", "--name", "runcmd",
                "--frequency", "always", "--help").redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("--frequency"), out);

        // cloud-init's own interpreter (its #! line) knows where its modules are.
        String shebang = Files.readAllLines(cloudInit).get(0);
        assumeTrue(shebang.startsWith("#!"), "cloud-init is a script");
        List<String> cmd = new ArrayList<>(List.of(shebang.substring(2).trim().split("\\s+")));
        cmd.addAll(List.of("-c",
                "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module('cloudinit.config.cc_' + m)\n"));
        cmd.addAll(MODULES);
        Process check = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(check.waitFor(60, TimeUnit.SECONDS));
        String res = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, check.exitValue(), res);
    }
}
