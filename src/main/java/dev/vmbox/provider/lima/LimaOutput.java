package dev.vmbox.provider.lima;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.VmboxException;
import dev.vmbox.provider.VmState;
import dev.vmbox.spec.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses what limactl prints: JSON Lines from {@code list --format json}, and logrus error lines. */
public final class LimaOutput {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LOGRUS_MSG = Pattern.compile("level=(?:fatal|error) msg=\"((?:[^\"\\\\\r\n]|\\\\[^\r\n])*)\"");

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
                    errors));
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

    /** The last {@code msg="..."} of Lima's logrus output at level error or fatal, else the raw tail. */
    public static String errorMessage(String stderr) {
        if (stderr == null || stderr.isBlank()) {
            return "";
        }
        String found = null;
        Matcher m = LOGRUS_MSG.matcher(stderr);
        while (m.find()) {
            found = m.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        if (found != null) {
            return found;
        }
        // only line breaks that are not whitespace (U+0085, U+2028, U+2029) split into no lines at all
        String[] lines = stderr.strip().split("\\R");
        return lines.length == 0 ? "" : lines[lines.length - 1].strip();
    }

    private static VmboxException unreadable(String why) {
        return VmboxException.failed("limactl list printed output vmbox cannot read (" + why + ")",
                "run `limactl list --format json` by hand; vmbox needs Lima " + LimaTemplate.MINIMUM_LIMA_VERSION
                        + " or newer", null);
    }
}
