package dev.vmbox.provider.libvirt;

import dev.vmbox.provider.VmState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses what {@code virsh} and {@code qemu-img} print (libvirt 9 formats) and classifies their errors. */
final class LibvirtOutput {
    private LibvirtOutput() {
    }

    /** What went wrong, read from virsh's or qemu-img's stderr. */
    enum Failure {
        NOT_FOUND,
        NO_POOL,
        NO_VOLUME,
        EXISTS,
        NOT_RUNNING,
        ALREADY_RUNNING,
        DAEMON_DOWN,
        UNREACHABLE,
        PERMISSION,
        NO_SPACE,
        OTHER
    }

    static Failure classify(String stderr) {
        String s = stderr == null ? "" : stderr.toLowerCase(Locale.ROOT);
        if (s.contains("no space left on device") || s.contains("disk quota exceeded")) {
            return Failure.NO_SPACE;
        }
        if (s.contains("failed to get domain") || s.contains("domain not found") || s.contains("no domain with matching")) {
            return Failure.NOT_FOUND;
        }
        if (s.contains("storage pool not found") || s.contains("failed to get pool")) {
            return Failure.NO_POOL;
        }
        if (s.contains("storage volume not found") || s.contains("failed to get vol")) {
            return Failure.NO_VOLUME;
        }
        if (s.contains("already exists") || s.contains("exists already")) {
            return Failure.EXISTS;
        }
        if (s.contains("domain is already active") || s.contains("already running")) {
            return Failure.ALREADY_RUNNING;
        }
        if (s.contains("domain is not running") || s.contains("not running")) {
            return Failure.NOT_RUNNING;
        }
        if (s.contains("failed to connect socket") && (s.contains("no such file") || s.contains("connection refused"))) {
            return Failure.DAEMON_DOWN;
        }
        if (s.contains("cannot recv data") || s.contains("unable to connect to server") || s.contains("could not resolve hostname")
                || s.contains("no route to host") || s.contains("connection timed out") || s.contains("host key verification failed")
                || (s.contains("failed to connect to the hypervisor") && !s.contains("failed to connect socket"))) {
            return Failure.UNREACHABLE;
        }
        if (s.contains("permission denied") || s.contains("authentication failed") || s.contains("access denied")) {
            return Failure.PERMISSION;
        }
        return Failure.OTHER;
    }

    /** QEMU could not listen on the SSH forward's port ("Could not set up host forwarding rule 'tcp:...'"). */
    static boolean forwardPortTaken(String stderr) {
        return stderr != null && stderr.toLowerCase(Locale.ROOT).contains("host forwarding rule");
    }

    /** {@code virsh domstate} output (first line; a {@code --reason} suffix is ignored). */
    static VmState state(String stdout) {
        String line = stdout == null ? "" : stdout.strip().split("\\R", 2)[0].trim().toLowerCase(Locale.ROOT);
        int paren = line.indexOf(" (");
        if (paren > 0) {
            line = line.substring(0, paren);
        }
        return switch (line) {
            case "running", "idle", "blocked" -> VmState.RUNNING;
            case "paused", "pmsuspended" -> VmState.PAUSED;
            case "in shutdown" -> VmState.STOPPING;
            case "shut off" -> VmState.STOPPED;
            case "crashed" -> VmState.BROKEN;
            default -> VmState.BROKEN;
        };
    }

    /** {@code virsh list --all --name}: one name per line, blank lines (and lines of control characters) ignored. */
    static List<String> names(String stdout) {
        List<String> names = new ArrayList<>();
        for (String line : (stdout == null ? "" : stdout).split("\\R")) {
            String name = line.trim();
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return names;
    }

    /** The line {@code virsh echo} prints between the volumes and the domains of {@link LibvirtCli#volumesAndDomains}. */
    static final String DOMAINS_FOLLOW = "VMBOX_DOMAINS_FOLLOW";

    /** The states virsh prints in {@code list} (virshDomainStateToString, untranslated under LC_ALL=C). */
    private static final List<String> LIST_STATES = List.of("no state", "running", "idle", "paused", "in shutdown",
            "shut off", "crashed", "pmsuspended");

    /**
     * {@code virsh -q list --all}: each domain's name and its state as virsh words it (e.g. "shut off"), in the order
     * listed. A row is the id (a number or '-'), the name and the state, which is matched at the row's end so that a
     * name with spaces cannot shift the columns. A header (without {@code -q}), its rule and blank lines are skipped; a
     * row of any other shape is refused (FAILED).
     */
    static Map<String, String> domainStates(String stdout) {
        Map<String, String> states = new LinkedHashMap<>();
        for (String line : (stdout == null ? "" : stdout).split("\\R")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("---") || t.matches("Id\\s+Name\\s+State")) {
                continue;
            }
            String[] idAndRest = t.split("\\s+", 2);
            String state = null;
            if (idAndRest.length == 2 && idAndRest[0].matches("\\d{1,10}|-")) {
                for (String s : LIST_STATES) {
                    if (idAndRest[1].endsWith(s) && idAndRest[1].length() > s.length()
                            && Character.isWhitespace(idAndRest[1].charAt(idAndRest[1].length() - s.length() - 1))) {
                        state = s;
                    }
                }
            }
            if (state == null) {
                throw dev.vmbox.VmboxException.failed("virsh list printed a row vmbox cannot read: "
                        + dev.vmbox.spec.Names.forMessage(line), "check that 'virsh list --all' works on the libvirt host", null);
            }
            states.put(idAndRest[1].substring(0, idAndRest[1].length() - state.length()).strip(), state);
        }
        return states;
    }

    /** {@code virsh -q vol-list --pool POOL}: the volumes' names (the first column; vmbox's names hold no space). */
    static Set<String> volumeNames(String stdout) {
        Set<String> names = new LinkedHashSet<>();
        for (String line : (stdout == null ? "" : stdout).split("\\R")) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("---") || t.matches("Name\\s+Path")) {
                continue;
            }
            names.add(t.split("\\s+", 2)[0]);
        }
        return names;
    }

    private static final Pattern HYPERVISOR = Pattern.compile("Running hypervisor:\\s*(.+)");
    private static final Pattern LIBRARY = Pattern.compile("Using library:\\s*(.+)");

    /** {@code virsh version}: "libvirt 9.0.0, QEMU 7.2.22" style summary, or empty. */
    static Optional<String> version(String stdout) {
        Matcher lib = LIBRARY.matcher(stdout == null ? "" : stdout);
        Matcher hyp = HYPERVISOR.matcher(stdout == null ? "" : stdout);
        String l = lib.find() ? lib.group(1).trim() : null;
        String h = hyp.find() ? hyp.group(1).trim() : null;
        if (l == null && h == null) {
            return Optional.empty();
        }
        return Optional.of(l == null ? h : h == null ? l : l + ", " + h);
    }

    /** The {@code <target><path>} of {@code virsh pool-dumpxml}: where the pool's volumes are files. */
    static Optional<String> poolPath(String poolXml) {
        Matcher m = POOL_PATH.matcher(poolXml == null ? "" : poolXml);
        return m.find() ? Optional.of(m.group(1).trim()) : Optional.empty();
    }

    private static final Pattern POOL_PATH = Pattern.compile("<target>\\s*<path>([^<]+)</path>", Pattern.DOTALL);

    /** {@code virsh pool-info}: whether the pool is running. */
    static boolean poolRunning(String stdout) {
        return field(stdout, "State").map("running"::equals).orElse(false);
    }

    /** {@code virsh pool-info --bytes}: free bytes in the pool, when shown. */
    static java.util.OptionalLong poolAvailable(String stdout) {
        return field(stdout, "Available").filter(v -> v.matches("\\d{1,18}"))
                .map(v -> java.util.OptionalLong.of(Long.parseLong(v))).orElse(java.util.OptionalLong.empty());
    }

    /** {@code virsh nodeinfo}: logical CPUs and memory in bytes; refused (FAILED) when it lacks either. */
    static dev.vmbox.provider.HostCapacity nodeinfo(String stdout, java.util.OptionalLong freeDisk) {
        String cpus = field(stdout, "CPU(s)").orElse("");
        String mem = field(stdout, "Memory size").orElse("");
        // at most 6 digits of CPUs and 13 of KiB (8 EiB), so neither overflows
        if (!cpus.matches("0*[1-9]\\d{0,5}") || !mem.matches("0*[1-9]\\d{0,12} KiB")) {
            throw unreadable("virsh nodeinfo", "no CPU(s) or Memory size line with a number",
                    "check that 'virsh nodeinfo' works on the libvirt host", null);
        }
        return new dev.vmbox.provider.HostCapacity(Integer.parseInt(cpus), Long.parseLong(mem.split(" ")[0]) * 1024, freeDisk);
    }

    private static dev.vmbox.VmboxException unreadable(String command, String why, String hint, Throwable cause) {
        return dev.vmbox.VmboxException.failed(command + " printed output vmbox cannot read (" + why + ")", hint, cause);
    }

    /** The value of a {@code Key:   value} line of virsh's info commands. */
    private static Optional<String> field(String stdout, String key) {
        for (String line : (stdout == null ? "" : stdout).split("\\R")) {
            String[] kv = line.split(":", 2);
            if (kv.length == 2 && kv[0].trim().equals(key)) {
                return Optional.of(kv[1].trim());
            }
        }
        return Optional.empty();
    }

    /** Made on first use only: reading a VM's state (list, status) must not pay for a databind mapper. */
    private static final class Json {
        static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();
    }

    /** {@code qemu-img info --output=json}: virtual size in bytes and format. */
    record ImageInfo(long virtualSize, String format) {
    }

    /** Refused (FAILED) unless it is JSON with a positive whole virtual-size and a format name. */
    static ImageInfo imageInfo(String json) {
        String hint = "run 'qemu-img info --output=json' on the image by hand; the image may be damaged";
        com.fasterxml.jackson.databind.JsonNode node;
        try {
            node = Json.MAPPER.readTree(json == null ? "" : json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw unreadable("qemu-img info", "not JSON", hint, e);
        }
        com.fasterxml.jackson.databind.JsonNode size = node == null ? null : node.path("virtual-size");
        if (size == null || !size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() <= 0
                || !node.path("format").isTextual() || !node.path("format").asText().matches("[a-z0-9]{1,32}")) {
            throw unreadable("qemu-img info", "no positive virtual-size or no format", hint, null);
        }
        return new ImageInfo(size.asLong(), node.path("format").asText());
    }
}
