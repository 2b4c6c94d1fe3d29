package dev.vmbox.provider.multipass;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.provider.Availability;
import dev.vmbox.provider.ProviderProbe;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Is Multipass installed, recent enough, and is its daemon answering? {@code multipass version --format json} gives
 * the versions, but only the client's when the daemon is down ({@code {"multipass":"1.16.3"}}, exit 0: version.cpp),
 * so the daemon is asked with {@code multipass list --format json}: the query vmbox's commands make. With the daemon
 * down it fails with "cannot connect to the multipass socket" and exit 2 (gRPC NOT_FOUND; 3 only for UNAVAILABLE).
 */
public final class MultipassProbe implements ProviderProbe {
    /** The oldest Multipass vmbox drives: {@code launch --cloud-init -} and the JSON formats it reads. */
    public static final String MINIMUM_VERSION = "1.14";
    private static final Pattern VERSION = Pattern.compile("^v?(\\d{1,6})\\.(\\d{1,6})");
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final CommandRunner runner;
    private final Executables executables;

    public MultipassProbe(CommandRunner runner, Executables executables) {
        this.runner = runner;
        this.executables = executables;
    }

    @Override
    public String id() {
        return "multipass";
    }

    @Override
    public Availability probe() {
        Optional<Path> bin = executables.find("multipass");
        if (bin.isEmpty()) {
            return Availability.missing(id(), "multipass not found on PATH", Executables.installHint("multipass"));
        }
        String path = bin.get().toString();
        JsonNode versions;
        try {
            versions = json(runner.run(Command.of(TIMEOUT, "multipass", "version", "--format", "json")).stdout());
        } catch (VmboxException e) {
            return new Availability(id(), true, false, path, null, "multipass does not run: " + e.getMessage(),
                    "reinstall Multipass (sudo snap install multipass)");
        }
        if (versions == null || !versions.path("multipass").isTextual()) {
            return new Availability(id(), true, false, path, null,
                    "multipass version printed something vmbox does not understand",
                    "vmbox needs Multipass " + MINIMUM_VERSION + " or newer: update it (sudo snap refresh multipass)");
        }
        String client = versions.get("multipass").asText();
        String daemon = versions.path("multipassd").asText("");
        String oldest = !daemon.isEmpty() && !recentEnough(daemon) ? daemon : client;
        if (!recentEnough(oldest)) {
            return new Availability(id(), true, false, path, client, "Multipass " + oldest + " is too old: vmbox needs "
                    + MINIMUM_VERSION + " or newer", "update it: sudo snap refresh multipass (Linux), or install the "
                    + "current release from https://multipass.run");
        }
        try {
            MultipassOutput.parseList(runner.run(Command.of(TIMEOUT, "multipass", "list", "--format", "json")).stdout());
        } catch (CommandFailedException e) {
            String why = MultipassErrors.message(e.result());
            if (why.contains("cannot connect to the multipass socket") || e.exitCodeOfCommand() == MultipassErrors.DAEMON_FAIL) {
                return new Availability(id(), true, false, path, client, "multipassd is not answering (" + why + ")",
                        "start it: sudo snap start multipass (Linux), or open the Multipass app (macOS/Windows)");
            }
            if (why.contains("socket access denied")) {
                return new Availability(id(), true, false, path, client, "this user may not talk to multipassd (" + why + ")",
                        "add yourself to the group that owns the multipass socket (Linux: see `snap info multipass`)");
            }
            return new Availability(id(), true, false, path, client, "multipass list fails: " + why,
                    "run `multipass list` by hand");
        } catch (VmboxException e) {
            return new Availability(id(), true, false, path, client, "multipass list does not work for vmbox: "
                    + e.getMessage(), "restart the Multipass daemon (sudo snap restart multipass)");
        }
        return new Availability(id(), true, true, path, client, "multipass " + client
                + (daemon.isEmpty() ? "" : ", multipassd " + daemon) + " answers", null);
    }

    /** True for {@value #MINIMUM_VERSION} and later ({@code 1.16.3}, {@code 1.16.3+mac}), and for non-numbers. */
    static boolean recentEnough(String version) {
        Matcher m = VERSION.matcher(version == null ? "" : version.strip());
        if (!m.find()) {
            return true;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 1 || (major == 1 && minor >= 14);
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text == null ? "" : text);
        } catch (IOException e) {
            return null;
        }
    }
}
