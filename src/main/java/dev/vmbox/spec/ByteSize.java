package dev.vmbox.spec;

import dev.vmbox.VmboxException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size in bytes, parsed from what people type: {@code 2GiB}, {@code 2G}, {@code 512MiB}, {@code 40GB}.
 * Binary units throughout (a "G" is a GiB), as QEMU and libvirt use them.
 */
public record ByteSize(long bytes) implements Comparable<ByteSize> {
    public static final long KIB = 1024L;
    public static final long MIB = KIB * 1024;
    public static final long GIB = MIB * 1024;
    public static final long TIB = GIB * 1024;

    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?b?)", Pattern.CASE_INSENSITIVE);

    public ByteSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("a size cannot be negative: " + bytes);
        }
    }

    public static ByteSize ofGiB(long gib) {
        return new ByteSize(Math.multiplyExact(gib, GIB));
    }

    public static ByteSize ofMiB(long mib) {
        return new ByteSize(Math.multiplyExact(mib, MIB));
    }

    public static ByteSize parse(String text) {
        String t = text == null ? "" : text;
        Matcher m = FORMAT.matcher(t);
        if (!m.matches()) {
            throw VmboxException.badInput("not a size: " + Names.forMessage(text), "write a number with a unit, e.g. 8GiB, "
                    + "512MiB, 40G (no spaces around it)");
        }
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        if (unit.isEmpty() && !m.group(3).isEmpty() && m.group(3).toLowerCase(Locale.ROOT).startsWith("i")) {
            throw VmboxException.badInput("not a size: '" + text + "'", "write a number with a unit, e.g. 8GiB, 512MiB, 40G");
        }
        long factor = switch (unit) {
            case "k" -> KIB;
            case "m" -> MIB;
            case "g" -> GIB;
            case "t" -> TIB;
            default -> 1L;
        };
        java.math.BigDecimal value = new java.math.BigDecimal(m.group(1)).multiply(java.math.BigDecimal.valueOf(factor));
        try {
            return new ByteSize(value.setScale(0, java.math.RoundingMode.CEILING).longValueExact());
        } catch (ArithmeticException e) {
            throw VmboxException.badInput("size too large: '" + text + "'", "use a size below 8 EiB");
        }
    }

    public long kib() {
        return bytes / KIB;
    }

    public long mib() {
        return bytes / MIB;
    }

    @Override
    public int compareTo(ByteSize o) {
        return Long.compare(bytes, o.bytes);
    }

    /** The largest whole binary unit that represents it exactly, e.g. {@code 2GiB}, {@code 1536MiB}. */
    @Override
    public String toString() {
        if (bytes != 0) {
            if (bytes % TIB == 0) {
                return bytes / TIB + "TiB";
            }
            if (bytes % GIB == 0) {
                return bytes / GIB + "GiB";
            }
            if (bytes % MIB == 0) {
                return bytes / MIB + "MiB";
            }
            if (bytes % KIB == 0) {
                return bytes / KIB + "KiB";
            }
        }
        return bytes + "B";
    }
}
