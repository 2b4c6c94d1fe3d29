package dev.vmbox.spec;

import dev.vmbox.VmboxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the user asked for with {@code --gpu}: {@code none} (default), {@code auto} (pass through the one
 * suitable GPU, fail clearly if there is none or several), or one PCI address ({@code 0000:01:00.0} or
 * the short form {@code 01:00.0}).
 */
public record GpuRequest(Mode mode, String address) {
    public enum Mode { NONE, AUTO, ADDRESS }

    public static final GpuRequest NONE = new GpuRequest(Mode.NONE, null);
    public static final GpuRequest AUTO = new GpuRequest(Mode.AUTO, null);

    private static final Pattern FULL = Pattern.compile("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");
    private static final Pattern SHORT = Pattern.compile("[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");

    public GpuRequest {
        if (mode == null) {
            throw new IllegalArgumentException("mode");
        }
        if ((mode == Mode.ADDRESS) != (address != null)) {
            throw new IllegalArgumentException("an address goes with mode ADDRESS only");
        }
        if (address != null && !FULL.matcher(address).matches()) {
            throw new IllegalArgumentException("not a full PCI address: " + address);
        }
    }

    public static GpuRequest parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.isEmpty() || t.equals("none")) {
            return NONE;
        }
        if (t.equals("auto")) {
            return AUTO;
        }
        if (SHORT.matcher(t).matches()) {
            t = "0000:" + t;
        }
        if (FULL.matcher(t).matches()) {
            return new GpuRequest(Mode.ADDRESS, t);
        }
        throw VmboxException.badInput("not a GPU choice: '" + text + "'",
                "use --gpu none, --gpu auto, or a PCI address such as 0000:01:00.0 (see lspci -D)");
    }

    public boolean wanted() {
        return mode != Mode.NONE;
    }

    @Override
    public String toString() {
        return switch (mode) {
            case NONE -> "none";
            case AUTO -> "auto";
            case ADDRESS -> address;
        };
    }
}
