package dev.vmbox.app.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** The agent as a user service: the systemd unit checked by systemd itself, the launchd plist by its structure. */
class AgentServiceTest {
    @TempDir
    Path tmp;

    static final List<String> PREFIX = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m",
            "-cp", "/opt/vmbox dir/vmbox.jar", "dev.vmbox.cli.Main", "tunnel", "run");

    /** Records what it was asked to run and answers as if it worked. */
    static final class Recording implements CommandRunner {
        final List<List<String>> calls = new ArrayList<>();

        @Override
        public CommandResult run(Command command) {
            calls.add(command.argv());
            return new CommandResult(command, 0, "", "", Duration.ZERO, false);
        }
    }

    @Test
    void theSystemdUnitPassesSystemdAnalyzeVerify() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        if (!Files.isExecutable(analyze)) {
            assertFalse("true".equals(System.getenv("CI")), "CI=true: systemd-analyze must be installed (package systemd)");
            assumeTrue(false, "systemd-analyze is not installed");
        }
        Path home = tmp.resolve("home with space %h $HOME");
        Path unit = tmp.resolve("vmbox-agent-test.service");
        List<String> cmd = new ArrayList<>(PREFIX);
        cmd.addAll(List.of("--service", home.toString()));
        String text = AgentService.systemdUnit(cmd, home);
        Files.writeString(unit, text);
        assertTrue(text.contains("ExecStart=\"" + PREFIX.get(0) + "\" \"-Xmx32m\" \"-cp\" \"/opt/vmbox dir/vmbox.jar\""), text);
        assertTrue(text.contains("\"--service\" \"" + tmp + "/home with space %%h $$HOME\""), text);
        assertTrue(text.contains("Environment=\"VMBOX_HOME=" + tmp + "/home with space %%h $$HOME\""), text);
        Path runtime = Files.createDirectories(tmp.resolve("runtime"));
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
        CommandResult r = new ZtExecCommandRunner(EventLog.NONE, Executables.fromEnvironment(System.getenv())).run(
                Command.of(Duration.ofSeconds(60), analyze.toString(), "--user", "verify", unit.toString())
                        .withEnv("XDG_RUNTIME_DIR", runtime.toString()).allowExitCodes(0, 1));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertEquals("", r.stderr().strip(), "systemd-analyze had nothing to say");
    }

    @Test
    void theLaunchdPlistIsAWellFormedPropertyList() throws Exception {
        Path home = Path.of("/Users/ann/.vmbox & <co>");
        List<String> cmd = new ArrayList<>(PREFIX);
        cmd.addAll(List.of("--service", home.toString()));
        String plist = AgentService.launchdPlist("dev.vmbox.agent", cmd, home);
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
        f.setExpandEntityReferences(false);
        Element root = f.newDocumentBuilder().parse(new ByteArrayInputStream(plist.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
        assertEquals("plist", root.getTagName());
        assertEquals("1.0", root.getAttribute("version"));
        Element dict = only(root, "dict");
        Map<String, Element> entries = new java.util.LinkedHashMap<>();
        List<Element> kids = children(dict);
        for (int i = 0; i < kids.size(); i += 2) {
            assertEquals("key", kids.get(i).getTagName(), "keys and values alternate");
            entries.put(kids.get(i).getTextContent(), kids.get(i + 1));
        }
        assertEquals(List.of("Label", "ProgramArguments", "EnvironmentVariables", "RunAtLoad", "KeepAlive", "ProcessType",
                "StandardOutPath", "StandardErrorPath"), new ArrayList<>(entries.keySet()));
        assertEquals("dev.vmbox.agent", entries.get("Label").getTextContent());
        List<String> args = children(entries.get("ProgramArguments")).stream().map(Node::getTextContent).toList();
        assertEquals(cmd, args, "every word kept, & and < escaped");
        assertEquals("true", entries.get("RunAtLoad").getTagName());
        assertEquals(home + "/_agent/agent.log", entries.get("StandardOutPath").getTextContent());
        assertEquals(home.toString(), children(entries.get("EnvironmentVariables")).get(1).getTextContent());
    }

    static Element only(Element parent, String tag) {
        List<Element> kids = children(parent);
        assertEquals(1, kids.size());
        assertEquals(tag, kids.get(0).getTagName());
        return kids.get(0);
    }

    static List<Element> children(Element parent) {
        List<Element> out = new ArrayList<>();
        NodeList nl = parent.getChildNodes();
        for (int i = 0; i < nl.getLength(); i++) {
            if (nl.item(i) instanceof Element e) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void withoutAUserManagerTheUnitIsWrittenAndTheStepsAreNamed() throws Exception {
        Recording runner = new Recording();
        Path home = tmp.resolve("vmbox-home");
        AgentService s = new AgentService(Map.of("HOME", tmp.toString(), "XDG_CONFIG_HOME", tmp.resolve("cfg").toString()),
                "Linux", runner);
        AgentService.Outcome o = s.install(PREFIX, home);
        assertTrue(o.unitFile().startsWith(tmp.resolve("cfg/systemd/user")), o.unitFile().toString());
        assertTrue(o.unitFile().getFileName().toString().matches("vmbox-agent-[0-9a-f]{8}\\.service"), o.unitFile().toString());
        assertTrue(Files.readString(o.unitFile()).contains("\"--service\" \"" + home.toAbsolutePath() + "\""));
        assertTrue(String.join("\n", o.lines()).contains("systemctl --user daemon-reload && systemctl --user enable --now "
                + o.unitFile().getFileName()), o.lines().toString());
        assertEquals(List.of(), runner.calls, "nothing to run without a user manager");
        assertTrue(s.uninstall(home).lines().contains("removed " + o.unitFile()));
        assertFalse(Files.exists(o.unitFile()));
    }

    @Test
    void withAUserManagerTheUnitIsEnabledAndStarted() throws Exception {
        Recording runner = new Recording();
        Path runtime = Files.createDirectories(tmp.resolve("run/systemd"));
        Files.createFile(runtime.resolve("private"));
        AgentService s = new AgentService(Map.of("HOME", tmp.toString(), "XDG_RUNTIME_DIR", tmp.resolve("run").toString()),
                "Linux", runner);
        AgentService.Outcome o = s.install(PREFIX, tmp.resolve("h"));
        assertEquals(tmp.resolve(".config/systemd/user"), o.unitFile().getParent());
        String unit = o.unitFile().getFileName().toString();
        assertEquals(List.of(List.of("systemctl", "--user", "daemon-reload"), List.of("systemctl", "--user", "enable", "--now", unit)),
                runner.calls);
        s.uninstall(tmp.resolve("h"));
        assertEquals(List.of("systemctl", "--user", "disable", unit), runner.calls.get(2));
    }

    @Test
    void onMacOsALaunchAgentIsBootstrapped() throws Exception {
        Recording runner = new Recording();
        AgentService s = new AgentService(Map.of("HOME", tmp.toString()), "Mac OS X", runner);
        AgentService.Outcome o = s.install(PREFIX, tmp.resolve("h"));
        assertEquals(tmp.resolve("Library/LaunchAgents"), o.unitFile().getParent());
        assertTrue(o.unitFile().getFileName().toString().matches("dev\\.vmbox\\.agent-[0-9a-f]{8}\\.plist"), o.unitFile().toString());
        assertEquals("launchctl", runner.calls.get(0).get(0));
        assertEquals("bootstrap", runner.calls.get(0).get(1));
        assertTrue(runner.calls.get(0).get(2).matches("gui/[0-9]+"), runner.calls.toString());
    }

    @Test
    void theDefaultHomeGetsThePlainName() {
        assertEquals("vmbox-agent", AgentService.baseName(Path.of(System.getProperty("user.home"), ".vmbox")));
        assertEquals("dev.vmbox.agent", AgentService.label(Path.of(System.getProperty("user.home"), ".vmbox")));
    }
}
