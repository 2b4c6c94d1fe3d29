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

    /** The fraction done in [0, 1], or -1 when the total is unknown. */
    public double fraction() {
        return totalBytes > 0 ? Math.min(1.0, (double) bytes / totalBytes) : -1;
    }
}
