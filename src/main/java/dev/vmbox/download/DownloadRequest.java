package dev.vmbox.download;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * One file to download and the digest it must have.
 *
 * @param uri           https (or http to a loopback address only)
 * @param digest        the pinned or published digest (sha256 or sha512); the file is refused unless it matches
 * @param expectedSize  the pinned size in bytes, or -1 when unknown
 * @param displayName   what progress and errors call it (never contains a secret)
 * @param headers       extra request headers, e.g. {@code Accept} or an {@code Authorization} token (sent
 *                      only to the first host, never after a redirect to another host)
 */
public record DownloadRequest(URI uri, Digest digest, long expectedSize, String displayName,
        Map<String, String> headers) {

    public DownloadRequest {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(digest, "digest");
        displayName = displayName == null ? fileName(uri) : displayName;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** A file pinned by its sha256 (64 hex digits; BAD_INPUT naming the file otherwise). */
    public DownloadRequest(URI uri, String sha256, long expectedSize, String displayName, Map<String, String> headers) {
        this(uri, Digest.sha256(sha256, displayName == null ? String.valueOf(uri) : displayName), expectedSize,
                displayName, headers);
    }

    public static DownloadRequest of(URI uri, String sha256) {
        return new DownloadRequest(uri, sha256, -1, null, Map.of());
    }

    public static DownloadRequest of(URI uri, Digest digest) {
        return new DownloadRequest(uri, digest, -1, null, Map.of());
    }

    public DownloadRequest withSize(long size) {
        return new DownloadRequest(uri, digest, size, displayName, headers);
    }

    public DownloadRequest withName(String name) {
        return new DownloadRequest(uri, digest, expectedSize, name, headers);
    }

    private static String fileName(URI uri) {
        String p = uri.getPath() == null ? "" : uri.getPath();
        int i = p.lastIndexOf('/');
        String n = i >= 0 ? p.substring(i + 1) : p;
        return n.isEmpty() ? uri.getHost() : n;
    }
}
