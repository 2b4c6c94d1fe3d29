package dev.vmbox.provider.multipass;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.VmboxException;
import dev.vmbox.provider.VmState;
import dev.vmbox.spec.Names;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Parses {@code multipass info --format json} and {@code multipass list --format json}. */
public final class MultipassOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MultipassOutput() {
    }

    /**
     * {@code {"errors":[],"info":{"NAME":{...}}}}. Empty when the instance is not in {@code info}
     * (Multipass then names it in {@code errors}).
     */
    public static Optional<MultipassInstance> parseInfo(String stdout, String name) {
        JsonNode root = read(stdout, "info");
        JsonNode info = root.get("info");
        if (info == null || !info.isObject()) {
            throw unreadable("info", "no \"info\" object");
        }
        JsonNode n = info.get(name);
        if (n == null) {
            return Optional.empty();
        }
        if (!n.isObject() || !n.path("state").isTextual()) {
            throw unreadable("info", "the entry for " + Names.forMessage(name) + " has no state");
        }
        long diskTotal = 0;
        Iterator<JsonNode> disks = n.path("disks").elements();
        while (disks.hasNext()) {
            diskTotal += number(disks.next().path("total"));
        }
        List<String> mounts = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> m = n.path("mounts").properties().iterator();
        while (m.hasNext()) {
            Map.Entry<String, JsonNode> e = m.next();
            mounts.add(e.getValue().path("source_path").asText("?") + " -> " + e.getKey());
        }
        return Optional.of(new MultipassInstance(name, n.get("state").asText(), strings(n.path("ipv4")),
                (int) number(n.path("cpu_count")), number(n.path("memory").path("total")), diskTotal,
                n.path("release").asText(""), mounts));
    }

    /** {@code {"list":[{"name","state","ipv4":[...],"release"}]}}. */
    public static List<MultipassInstance> parseList(String stdout) {
        JsonNode root = read(stdout, "list");
        JsonNode list = root.get("list");
        if (list == null || !list.isArray()) {
            throw unreadable("list", "no \"list\" array");
        }
        List<MultipassInstance> out = new ArrayList<>();
        for (JsonNode n : list) {
            if (!n.path("name").isTextual() || !n.path("state").isTextual()) {
                throw unreadable("list", "an entry has no name or state");
            }
            out.add(new MultipassInstance(n.get("name").asText(), n.get("state").asText(), strings(n.path("ipv4")),
                    0, 0, 0, n.path("release").asText(""), List.of()));
        }
        return out;
    }

    /** Multipass's state words ({@code format_utils.cpp}) to vmbox's states. */
    public static VmState state(String state) {
        return switch (state) {
            case "Running" -> VmState.RUNNING;
            case "Stopped" -> VmState.STOPPED;
            case "Starting", "Restarting" -> VmState.STARTING;
            case "Delayed Shutdown", "Suspending" -> VmState.STOPPING;
            case "Suspended" -> VmState.PAUSED;
            default -> VmState.BROKEN;
        };
    }

    /** A count or size that Multipass prints as a string or as a number. */
    static long number(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return 0;
        }
        if (n.isNumber()) {
            return n.asLong();
        }
        try {
            return Long.parseLong(n.asText().trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> {
            if (v.isTextual() && !v.asText().isBlank()) {
                out.add(v.asText());
            }
        });
        return out;
    }

    private static JsonNode read(String stdout, String command) {
        JsonNode root;
        try {
            root = JSON.readTree(stdout == null ? "" : stdout);
        } catch (JsonProcessingException e) {
            throw unreadable(command, "not JSON: " + Names.forMessage(stdout.strip()));
        }
        if (root == null || !root.isObject()) {
            throw unreadable(command, "empty or not a JSON object");
        }
        return root;
    }

    private static VmboxException unreadable(String command, String why) {
        return VmboxException.failed("multipass " + command + " printed output vmbox cannot read (" + why + ")",
                "run `multipass " + command + " --format json` by hand; vmbox needs Multipass 1.14 or newer", null);
    }
}
