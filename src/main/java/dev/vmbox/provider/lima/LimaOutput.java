package dev.vmbox.provider.lima;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.VmboxException;
import dev.vmbox.provider.VmState;
import dev.vmbox.spec.Names;
import java.util.ArrayList;
import java.util.List;

/** Parses what {@code limactl list --format json} prints: JSON Lines (its log lines: {@link LimaLog}). */
public final class LimaOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LimaOutput() {
    }

    /**
     * One instance per non-blank line. Lima prints nothing when there are no instances. Anything that is
     * not a JSON object with a name is refused with a clear error: vmbox never guesses a VM's state.
     */
    public static List<LimaInstance> parseList(String stdout) {
        List<LimaInstance> out = new ArrayList<>();
        if (stdout == null) {
            return out;
        }
        int lineNo = 0;
        for (String line : stdout.split("\\R")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw unreadable("line " + lineNo + " is not JSON: " + Names.forMessage(line.strip()));
            }
            if (n == null || !n.isObject() || !n.path("name").isTextual() || !n.has("status")) {
                throw unreadable("line " + lineNo + " is not an instance: " + Names.forMessage(line.strip()));
            }
            List<String> errors = new ArrayList<>();
            n.path("errors").forEach(e -> errors.add(e.isTextual() ? e.asText() : e.toString()));
            out.add(new LimaInstance(
                    n.get("name").asText(),
                    n.path("status").asText(""),
                    n.path("vmType").asText(""),
                    n.path("arch").asText(""),
                    n.path("cpus").asInt(0),
                    n.path("memory").asLong(0),
                    n.path("disk").asLong(0),
                    n.path("sshAddress").asText("127.0.0.1"),
                    n.path("sshLocalPort").asInt(0),
                    n.path("message").asText(""),
                    errors,
                    n.path("dir").asText(""),
                    n.path("config").path("user").path("name").asText("")));
        }
        return out;
    }

    /** Lima's status words to vmbox's states. */
    public static VmState state(String status) {
        return switch (status) {
            case "Running" -> VmState.RUNNING;
            case "Stopped" -> VmState.STOPPED;
            case "Installing" -> VmState.STARTING;
            case "Uninitialized" -> VmState.STOPPED;
            default -> VmState.BROKEN;
        };
    }

    private static VmboxException unreadable(String why) {
        return VmboxException.failed("limactl list printed output vmbox cannot read (" + why + ")",
                "run `limactl list --format json` by hand; vmbox needs Lima " + LimaTemplate.MINIMUM_LIMA_VERSION
                        + " or newer", null);
    }
}
