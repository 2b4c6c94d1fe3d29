package dev.vmbox.download;

import java.time.Duration;

/**
 * One progress report of a download.
 *
 * @param name           what is being downloaded, for display (never a URL with a token in it)
 * @param bytes          bytes of the file held so far (including a resumed part)
 * @param totalBytes     the expected size, or -1 when the server did not say and no size was pinned
 * @param bytesPerSecond the transfer rate of this attempt so far
 * @param elapsed        time since this attempt started
 * @param done           true on the last report, after the checksum matched
 */
public record DownloadProgress(String name, long bytes, long totalBytes, double bytesPerSecond, Duration elapsed,
        boolean done) {

    /** One line for a progress display: {@code name  1.2 GiB / 4.6 GiB  26%  45.3 MiB/s}. */
    public String describe() {
        StringBuilder b = new StringBuilder(name).append("  ").append(size(bytes));
        if (totalBytes > 0) {
            b.append(" / ").append(size(totalBytes)).append(String.format(java.util.Locale.ROOT, "  %d%%",
                    (int) Math.floor(fraction() * 100)));
        }
        if (done) {
            b.append("  done");
        } else if (bytesPerSecond > 0) {
            b.append("  ").append(size((long) bytesPerSecond)).append("/s");
        }
        return b.toString();
    }

    private static String size(long n) {
        if (n >= 1L << 30) {
            return String.format(java.util.Locale.ROOT, "%.1f GiB", n / (double) (1L << 30));
        }
        if (n >= 1L << 20) {
            return String.format(java.util.Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
        }
        if (n >= 1L << 10) {
            return String.format(java.util.Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        return n + " B";
    }

    /** The fraction done in [0, 1], or -1 when the total is unknown. */
    public double fraction() {
        return totalBytes > 0 ? Math.min(1.0, (double) bytes / totalBytes) : -1;
    }
}
