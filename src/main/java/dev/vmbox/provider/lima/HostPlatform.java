package dev.vmbox.provider.lima;

import java.util.Locale;

/**
 * The host's operating system and CPU architecture, as Java reports them ({@code os.name},
 * {@code os.arch}). Lima's machine type depends on both: {@code vz} on macOS, {@code qemu} elsewhere,
 * {@code krunkit} (GPU) only on Apple Silicon.
 */
public record HostPlatform(String os, String arch) {
    public HostPlatform {
        os = os == null ? "" : os;
        arch = arch == null ? "" : arch;
    }

    public static HostPlatform current() {
        return new HostPlatform(System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    public boolean macOs() {
        String o = os.toLowerCase(Locale.ROOT);
        return o.startsWith("mac") || o.startsWith("darwin");
    }

    public boolean arm64() {
        String a = arch.toLowerCase(Locale.ROOT);
        return a.equals("aarch64") || a.equals("arm64");
    }

    public boolean appleSilicon() {
        return macOs() && arm64();
    }

    public boolean linux() {
        return os.toLowerCase(Locale.ROOT).startsWith("linux");
    }

    public boolean windows() {
        return os.toLowerCase(Locale.ROOT).startsWith("windows");
    }

    /**
     * The length limit of a Unix socket path on this host, as Lima counts it (pkg/osutil: UnixPathMax is 108 on Linux
     * and Windows, 104 on macOS and every other system); a path must be shorter.
     */
    public int unixPathMax() {
        return linux() || windows() ? 108 : 104;
    }
}
