package dev.vmbox.store;

import java.nio.file.Path;
import java.util.Map;

/**
 * vmbox's own folder: {@code $VMBOX_HOME}, or {@code ~/.vmbox}. Always 0700: it holds private keys.
 * The paths of its shared folders; the names are {@link FileNames}'.
 */
public final class VmboxHome {
    private final Path root;

    public VmboxHome(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public static VmboxHome fromEnvironment(Map<String, String> env) {
        String v = env.get("VMBOX_HOME");
        if (v != null && !v.isBlank()) {
            return new VmboxHome(Path.of(v));
        }
        return new VmboxHome(Path.of(System.getProperty("user.home"), ".vmbox"));
    }

    public Path root() {
        return root;
    }

    /** Creates the home folder (0700) if needed and returns it. */
    public Path ensure() {
        return SecureFiles.privateDir(root);
    }

    public Path configFile() {
        return root.resolve(FileNames.CONFIG_DIR).resolve(FileNames.CONFIG_FILE);
    }

    /** {@code _cache/KIND}, e.g. {@link FileNames#DOWNLOADS_DIR}; not created here. */
    public Path cacheDir(String kind) {
        return root.resolve(FileNames.CACHE_DIR).resolve(kind);
    }

    public Path instanceDir(String name) {
        return root.resolve(name);
    }
}
