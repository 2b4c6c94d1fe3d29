package dev.vmbox.app.tunnel;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The user's tunnel agent as a service that starts with the user's session (and, with lingering, with the host):
 * a systemd user unit on Linux, a launchd agent on macOS. It runs {@code vmbox tunnel run --service HOME}, which
 * serves every tunnel marked for autostart and waits, with backoff, for each VM and its pinned host key as
 * {@code vmbox start} does. vmbox writes the unit, and enables it where a user manager runs; otherwise it says
 * exactly what to run.
 */
public final class AgentService {
    private static final Duration SYSTEMCTL_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, String> env;
    private final String osName;
    private final CommandRunner runner;

    /** @param env the user's environment (HOME, XDG_CONFIG_HOME, XDG_RUNTIME_DIR) */
    public AgentService(Map<String, String> env, String osName, CommandRunner runner) {
        this.env = env;
        this.osName = osName;
        this.runner = runner;
    }

    /** What was done, or is left to the user: the unit file and the lines to print. */
    public record Outcome(Path unitFile, List<String> lines) {
    }

    boolean mac() {
        return osName.toLowerCase(java.util.Locale.ROOT).startsWith("mac");
    }

    /** {@code vmbox-agent} for the default home, {@code vmbox-agent-HASH} for any other VMBOX_HOME. */
    static String baseName(Path home) {
        Path def = Path.of(System.getProperty("user.home"), ".vmbox").toAbsolutePath().normalize();
        Path h = home.toAbsolutePath().normalize();
        if (h.equals(def)) {
            return "vmbox-agent";
        }
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(h.toString().getBytes(StandardCharsets.UTF_8));
            return "vmbox-agent-" + HexFormat.of().formatHex(d, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The systemd user unit that runs {@code command} (the agent's argv, {@code --service HOME} included). */
    public static String systemdUnit(List<String> command, Path home) {
        StringBuilder exec = new StringBuilder();
        for (String word : command) {
            exec.append(exec.isEmpty() ? "" : " ").append(systemdQuote(word));
        }
        return "[Unit]\n"
                + "Description=vmbox tunnel agent: the model API endpoints of " + systemdEscape(home.toString()) + "\n"
                + "\n"
                + "[Service]\n"
                + "Type=simple\n"
                + "Environment=" + systemdQuote("VMBOX_HOME=" + home) + "\n"
                + "ExecStart=" + exec + "\n"
                + "Restart=on-failure\n"
                + "RestartSec=5\n"
                + "TimeoutStopSec=30\n"
                + "\n"
                + "[Install]\n"
                + "WantedBy=default.target\n";
    }

    /** One word of a systemd command line: double-quoted, with its specifiers and variables escaped. */
    static String systemdQuote(String word) {
        return "\"" + systemdEscape(word).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String systemdEscape(String s) {
        if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw VmboxException.badInput("a path for the agent's service contains a control character: "
                    + s.replaceAll("\\p{Cntrl}", "?"), "move VMBOX_HOME (or vmbox) to a plain path");
        }
        return s.replace("%", "%%").replace("$", "$$");
    }

    /** The launchd agent (a property list) that runs {@code command}, logging to the agent's log. */
    public static String launchdPlist(String label, List<String> command, Path home) {
        StringBuilder sb = new StringBuilder();
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n")
                .append("<plist version=\"1.0\">\n<dict>\n")
                .append("  <key>Label</key>\n  <string>").append(xml(label)).append("</string>\n")
                .append("  <key>ProgramArguments</key>\n  <array>\n");
        for (String word : command) {
            sb.append("    <string>").append(xml(word)).append("</string>\n");
        }
        String log = new AgentFiles(home).log().toString();
        sb.append("  </array>\n")
                .append("  <key>EnvironmentVariables</key>\n  <dict>\n    <key>VMBOX_HOME</key>\n    <string>")
                .append(xml(home.toString())).append("</string>\n  </dict>\n")
                .append("  <key>RunAtLoad</key>\n  <true/>\n")
                .append("  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n  </dict>\n")
                .append("  <key>ProcessType</key>\n  <string>Background</string>\n")
                .append("  <key>StandardOutPath</key>\n  <string>").append(xml(log)).append("</string>\n")
                .append("  <key>StandardErrorPath</key>\n  <string>").append(xml(log)).append("</string>\n")
                .append("</dict>\n</plist>\n");
        return sb.toString();
    }

    private static String xml(String s) {
        if (s.chars().anyMatch(c -> c < 0x20 && c != '\t')) {
            throw VmboxException.badInput("a path for the agent's service contains a control character", "move it to a plain path");
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Where the unit goes: {@code ~/.config/systemd/user/NAME.service} or {@code ~/Library/LaunchAgents/LABEL.plist}. */
    public Path unitFile(Path home) {
        String user = env.getOrDefault("HOME", System.getProperty("user.home"));
        if (mac()) {
            return Path.of(user, "Library", "LaunchAgents", label(home) + ".plist");
        }
        String config = env.get("XDG_CONFIG_HOME");
        Path base = config != null && config.startsWith("/") ? Path.of(config) : Path.of(user, ".config");
        return base.resolve("systemd").resolve("user").resolve(baseName(home) + ".service");
    }

    static String label(Path home) {
        return "dev.vmbox." + baseName(home).substring("vmbox-".length());
    }

    /** Writes the unit for {@code agentCommand} (the agent's argv without {@code --service HOME}) and enables it. */
    public Outcome install(List<String> agentCommandPrefix, Path home) {
        List<String> command = new ArrayList<>(agentCommandPrefix);
        command.add("--service");
        command.add(home.toAbsolutePath().toString());
        Path file = unitFile(home);
        String content = mac() ? launchdPlist(label(home), command, home) : systemdUnit(command, home);
        try {
            Files.createDirectories(file.getParent());
            SecureFiles.writeAtomically(file, content.getBytes(StandardCharsets.UTF_8));
        } catch (IOException | VmboxException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot write the agent's service file " + file + ": " + e.getMessage(),
                    "check that " + file.getParent() + " is writable", e);
        }
        List<String> lines = new ArrayList<>();
        lines.add("wrote " + file);
        if (mac()) {
            String uid = uid(file);
            List<String> cmd = List.of("launchctl", "bootstrap", "gui/" + uid, file.toString());
            if (!uid.startsWith("$") && run(cmd)) {
                lines.add("loaded with: " + String.join(" ", cmd));
            } else {
                lines.add("load it with: " + String.join(" ", cmd));
            }
            return new Outcome(file, lines);
        }
        String unit = file.getFileName().toString();
        if (userManagerRuns()) {
            if (run(List.of("systemctl", "--user", "daemon-reload")) && run(List.of("systemctl", "--user", "enable", "--now", unit))) {
                lines.add("enabled and started: systemctl --user enable --now " + unit);
            } else {
                lines.add("systemctl --user could not enable it; run: systemctl --user daemon-reload && systemctl --user enable --now " + unit);
            }
        } else {
            lines.add("no systemd user manager runs in this session; to enable it, run in a login session: "
                    + "systemctl --user daemon-reload && systemctl --user enable --now " + unit);
        }
        lines.add("to start it with the host even before you log in: loginctl enable-linger " + System.getProperty("user.name"));
        return new Outcome(file, lines);
    }

    /** Disables the service and removes its file (the running agent is left to serve until it ends). */
    public Outcome uninstall(Path home) {
        Path file = unitFile(home);
        List<String> lines = new ArrayList<>();
        if (!Files.exists(file)) {
            return new Outcome(file, List.of("no service file " + file));
        }
        if (mac()) {
            String uid = uid(file);
            List<String> cmd = List.of("launchctl", "bootout", "gui/" + uid, file.toString());
            lines.add(!uid.startsWith("$") && run(cmd) ? "unloaded with: " + String.join(" ", cmd) : "unload it with: " + String.join(" ", cmd));
        } else if (userManagerRuns()) {
            String unit = file.getFileName().toString();
            lines.add(run(List.of("systemctl", "--user", "disable", unit)) ? "disabled: " + unit
                    : "run: systemctl --user disable " + unit);
        }
        try {
            Files.deleteIfExists(file);
            lines.add("removed " + file);
        } catch (IOException e) {
            lines.add("could not remove " + file + ": " + e.getMessage());
        }
        return new Outcome(file, lines);
    }

    /** A systemd user manager listens in this session (its private socket exists). */
    boolean userManagerRuns() {
        String runtime = env.get("XDG_RUNTIME_DIR");
        return runtime != null && Files.exists(Path.of(runtime, "systemd", "private"));
    }

    private boolean run(List<String> argv) {
        try {
            runner.run(Command.of(SYSTEMCTL_TIMEOUT, argv));
            return true;
        } catch (VmboxException e) {
            return false;
        }
    }

    /** The user's uid, read from a file vmbox just wrote (Java has no getuid); {@code $(id -u)} when unknown. */
    private static String uid(Path ownFile) {
        try {
            return Files.getAttribute(ownFile, "unix:uid").toString();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "$(id -u)";
        }
    }
}
