package dev.vmbox.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Layered settings, lowest first: built-in {@code defaults.yaml} &lt; the user's
 * {@code VMBOX_HOME/_config/config.yaml} &lt; {@code VMBOX_*} environment variables &lt; flags.
 * Only keys that exist in the built-in defaults are accepted, so a typo is an error, not a silent no-op.
 */
public final class VmboxConfig {
    private static final long MAX_FILE_BYTES = 256 * 1024;
    private final Map<String, Setting> settings;

    private VmboxConfig(Map<String, Setting> settings) {
        this.settings = settings;
    }

    /** Loads the three lower layers; flags are applied by {@link #withFlag}. */
    public static VmboxConfig load(Path userFile, Map<String, String> env) {
        Map<String, Setting> s = new LinkedHashMap<>();
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (InputStream in = VmboxConfig.class.getResourceAsStream("/dev/vmbox/defaults.yaml")) {
            if (in == null) {
                throw new VmboxException(ExitCode.INTERNAL, "built-in defaults.yaml is missing from the jar", null);
            }
            flatten("", yaml.readTree(in), s, "builtin", null);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot read built-in defaults: " + e.getMessage(), null, e);
        }
        if (userFile != null && Files.isRegularFile(userFile)) {
            JsonNode tree;
            try {
                if (Files.size(userFile) > MAX_FILE_BYTES) {
                    throw badFile(userFile, "it is larger than " + MAX_FILE_BYTES / 1024 + " KiB");
                }
                tree = yaml.readTree(Files.readAllBytes(userFile));
            } catch (JsonProcessingException e) {
                String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
                throw badFile(userFile, "it is not valid YAML" + where);
            } catch (IOException e) {
                throw badFile(userFile, String.valueOf(e.getMessage()));
            }
            if (tree != null && !tree.isMissingNode() && !tree.isNull()) {
                if (!tree.isObject()) {
                    throw badFile(userFile, "its top level must be a mapping of settings");
                }
                Map<String, Setting> user = new LinkedHashMap<>();
                flatten("", tree, user, "file " + userFile, userFile);
                for (Setting v : user.values()) {
                    requireKnown(s, v.key(), "in " + userFile);
                    s.put(v.key(), v);
                }
            }
        }
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (!e.getKey().startsWith("VMBOX_")) {
                continue;
            }
            for (String key : s.keySet()) {
                if (envName(key).equals(e.getKey())) {
                    s.put(key, new Setting(key, e.getValue(), "env " + e.getKey()));
                }
            }
        }
        return new VmboxConfig(s);
    }

    /** The environment variable that overrides {@code key}. */
    public static String envName(String key) {
        return "VMBOX_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static void flatten(String prefix, JsonNode node, Map<String, Setting> out, String origin, Path file) {
        if (node == null) {
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                flatten(key, v, out, origin, file);
            } else if (v.isValueNode() && !v.isNull()) {
                out.put(key, new Setting(key, v.asText(), origin));
            } else if (file != null) {
                throw badFile(file, "'" + key + "' must be a single value");
            }
        }
    }

    private static void requireKnown(Map<String, Setting> known, String key, String where) {
        if (!known.containsKey(key)) {
            throw VmboxException.badInput("unknown setting '" + key + "' " + where,
                    "known settings: " + String.join(", ", known.keySet()));
        }
    }

    private static VmboxException badFile(Path file, String why) {
        return VmboxException.badInput("cannot use the config file " + file + ": " + why,
                "fix or remove the file; `vmbox config list` shows every setting and where it comes from");
    }

    /** A copy with {@code key} set by a command-line flag (ignored when value is null). */
    public VmboxConfig withFlag(String key, String value, String flag) {
        if (value == null) {
            return this;
        }
        requireKnown(settings, key, "(internal)");
        Map<String, Setting> copy = new LinkedHashMap<>(settings);
        copy.put(key, new Setting(key, value, "flag " + flag));
        return new VmboxConfig(copy);
    }

    public String get(String key) {
        Setting s = settings.get(key);
        if (s == null) {
            throw new VmboxException(ExitCode.INTERNAL, "no setting named " + key, null);
        }
        return s.value();
    }

    public Setting setting(String key) {
        return settings.get(key);
    }

    public List<Setting> all() {
        return List.copyOf(settings.values());
    }
}
