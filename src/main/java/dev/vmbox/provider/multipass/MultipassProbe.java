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

/**
 * Is Multipass installed and is its daemon answering? {@code multipass version --format json} prints
 * {@code {"multipass":"1.16.3","multipassd":"1.16.3"}}; without a daemon there is no multipassd entry
 * (or exit code 3, DaemonFail).
 */
public final class MultipassProbe implements ProviderProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final int DAEMON_FAIL = 3;

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
        String out;
        try {
            out = runner.run(Command.of(TIMEOUT, "multipass", "version", "--format", "json")).stdout();
        } catch (CommandFailedException e) {
            if (e.exitCodeOfCommand() == DAEMON_FAIL) {
                return daemonDown(path, null);
            }
            return new Availability(id(), true, false, path, null, "multipass version fails: " + e.getMessage(),
                    "reinstall Multipass");
        } catch (VmboxException e) {
            return new Availability(id(), true, false, path, null, "multipass does not answer: " + e.getMessage(),
                    "restart the Multipass daemon (sudo snap restart multipass)");
        }
        JsonNode node;
        try {
            node = new ObjectMapper().readTree(out);
        } catch (IOException e) {
            node = null;
        }
        if (node == null || !node.isObject() || !node.hasNonNull("multipass")) {
            return new Availability(id(), true, false, path, null,
                    "multipass version printed something vmbox does not understand", "update Multipass to 1.14 or newer");
        }
        String client = node.get("multipass").asText();
        if (!node.hasNonNull("multipassd")) {
            return daemonDown(path, client);
        }
        return new Availability(id(), true, true, path, client,
                "multipass " + client + ", multipassd " + node.get("multipassd").asText() + " answers", null);
    }

    private Availability daemonDown(String path, String version) {
        return new Availability(id(), true, false, path, version, "multipassd is not answering",
                "start it: sudo snap start multipass (Linux), or open the Multipass app (macOS/Windows)");
    }
}
