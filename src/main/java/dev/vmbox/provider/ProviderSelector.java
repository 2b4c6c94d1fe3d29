package dev.vmbox.provider;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.spec.Names;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Chooses the provider for a command: the {@code --provider} flag, else {@code VMBOX_PROVIDER}, else the
 * config's {@code provider} setting; "auto" (or nothing) means the first usable provider in the host's
 * order: libvirt on Linux, Lima on macOS, then Multipass. The choice comes with a one-line reason
 * the CLI prints. When nothing is usable, the error lists every provider's own diagnosis and hint.
 */
public final class ProviderSelector {
    public static final String AUTO = "auto";
    public static final List<String> KNOWN = List.of("libvirt", "lima", "multipass");

    /** The chosen provider, what its probe said, and why it was chosen (one line). */
    public record Choice<P extends ProviderProbe>(P provider, Availability availability, String reason) {
    }

    private ProviderSelector() {
    }

    /**
     * @param flag      the {@code --provider} value, or null
     * @param env       the {@code VMBOX_PROVIDER} value, or null
     * @param config    the config file's (or built-in) {@code provider} value: "auto" or a name; may be null
     * @param osName    the host OS as Java names it ({@code os.name})
     * @param providers the providers this build wires, by id
     */
    public static <P extends ProviderProbe> Choice<P> select(String flag, String env, String config, String osName,
                                                             Map<String, P> providers) {
        String[][] sources = {{flag, "--provider"}, {env, "VMBOX_PROVIDER"}, {config, "the config setting 'provider'"}};
        for (String[] s : sources) {
            String value = s[0] == null ? "" : s[0].trim().toLowerCase(Locale.ROOT);
            if (value.isEmpty()) {
                continue;
            }
            if (value.equals(AUTO)) {
                return auto(osName, providers, s[1]);
            }
            return named(value, s[0], s[1], providers);
        }
        return auto(osName, providers, null);
    }

    /** The order "auto" tries providers in on this OS. */
    public static List<String> autoOrder(String osName) {
        String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return List.of("lima", "multipass", "libvirt");
        }
        if (os.startsWith("windows")) {
            return List.of("multipass");
        }
        return List.of("libvirt", "multipass", "lima");
    }

    /** A provider choice as typed ({@code auto} or one of {@link #KNOWN}), or BAD_INPUT naming where it came from. */
    public static String requireChoice(String raw, String source) {
        String id = raw == null ? "" : raw.trim().toLowerCase(Locale.ROOT);
        if (!id.equals(AUTO) && !KNOWN.contains(id)) {
            throw VmboxException.badInput("unknown provider " + Names.forMessage(raw) + " (from " + source + ")",
                    "use one of: " + String.join(", ", KNOWN) + ", or auto");
        }
        return id;
    }

    private static <P extends ProviderProbe> Choice<P> named(String id, String raw, String source, Map<String, P> providers) {
        requireChoice(raw, source);
        P p = providers.get(id);
        if (p == null) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "provider '" + id + "' (from " + source
                    + ") is not available in this vmbox build", "use one of: " + String.join(", ", providers.keySet()));
        }
        Availability a = probe(p);
        if (!a.usable()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "provider '" + id + "' (chosen by " + source
                    + ") is not usable: " + a.detail(), a.hint());
        }
        return new Choice<>(p, a, id + ": chosen by " + source);
    }

    private static <P extends ProviderProbe> Choice<P> auto(String osName, Map<String, P> providers, String source) {
        List<String> order = new ArrayList<>(autoOrder(osName));
        for (String id : providers.keySet()) {
            if (!order.contains(id)) {
                order.add(id);
            }
        }
        Map<String, Availability> tried = new LinkedHashMap<>();
        for (String id : order) {
            P p = providers.get(id);
            if (p == null) {
                continue;
            }
            Availability a = probe(p);
            if (a.usable()) {
                String skipped = tried.isEmpty() ? "" : "; not usable: " + tried.entrySet().stream()
                        .map(e -> e.getKey() + " (" + e.getValue().detail() + ")").collect(Collectors.joining(", "));
                return new Choice<>(p, a, id + ": first usable provider on " + describeOs(osName)
                        + " (auto" + (source == null ? "" : ", from " + source) + ")" + skipped);
            }
            tried.put(id, a);
        }
        if (tried.isEmpty()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "no VM provider is wired into this vmbox build", null);
        }
        String details = tried.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue().detail())
                .collect(Collectors.joining("; "));
        String hints = tried.entrySet().stream().filter(e -> e.getValue().hint() != null)
                .map(e -> e.getKey() + ": " + e.getValue().hint()).collect(Collectors.joining("; or "));
        throw new VmboxException(ExitCode.UNAVAILABLE, "no usable VM provider on this host (" + details + ")",
                hints.isEmpty() ? "run `vmbox doctor` for details" : "install or fix one: " + hints);
    }

    private static Availability probe(ProviderProbe p) {
        try {
            Availability a = p.probe();
            return a != null ? a : new Availability(p.id(), false, false, null, null, "its probe said nothing", null);
        } catch (VmboxException e) {
            return new Availability(p.id(), false, false, null, null, e.getMessage(), e.hint());
        }
    }

    private static String describeOs(String osName) {
        return osName == null || osName.isBlank() ? "this host" : osName;
    }
}
