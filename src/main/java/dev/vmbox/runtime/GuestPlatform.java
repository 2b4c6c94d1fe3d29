package dev.vmbox.runtime;

import dev.vmbox.VmboxException;
import java.util.Locale;

/** Guest platform names used by the runtime recipes. */
public final class GuestPlatform {
    public static final String LINUX_AMD64 = "linux-amd64";
    public static final String LINUX_ARM64 = "linux-arm64";

    private GuestPlatform() {
    }

    /** From an architecture name as {@code uname -m}, Java's {@code os.arch} or Debian spell it. */
    public static String fromArch(String arch) {
        String a = arch == null ? "" : arch.trim().toLowerCase(Locale.ROOT);
        return switch (a) {
            case "x86_64", "amd64", "x64" -> LINUX_AMD64;
            case "aarch64", "arm64" -> LINUX_ARM64;
            default -> throw VmboxException.badInput("unsupported guest architecture '" + arch + "'",
                    "vmbox runs x86_64 and aarch64 guests");
        };
    }
}
