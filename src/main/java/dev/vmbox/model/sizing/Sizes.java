package dev.vmbox.model.sizing;

import java.util.Locale;

/** Byte-size arithmetic and display for plans. */
public final class Sizes {
    public static final long MIB = 1L << 20;
    public static final long GIB = 1L << 30;

    private Sizes() {
    }

    /** {@code 4.6 GiB}, {@code 398 MiB}. */
    public static String human(long bytes) {
        if (bytes >= GIB) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) GIB);
        }
        if (bytes >= MIB) {
            return String.format(Locale.ROOT, "%d MiB", Math.round(bytes / (double) MIB));
        }
        return bytes + " B";
    }

    public static long roundUp(long bytes, long unit) {
        return (bytes + unit - 1) / unit * unit;
    }
}
