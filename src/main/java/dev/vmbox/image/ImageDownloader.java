package dev.vmbox.image;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.log.EventLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Downloads an official cloud image and verifies it against the publisher's checksum list before it
 * can be used: the checksum list is fetched first, the image is hashed while it streams to a temp file
 * beside its destination, and only a matching file is moved into place. A mismatch deletes the download
 * and fails with {@link ExitCode#SECURITY}; an image is never used unverified.
 */
public final class ImageDownloader {
    private final HttpClient http;
    private final EventLog log;

    public ImageDownloader(HttpClient http, EventLog log) {
        this.http = http;
        this.log = log;
    }

    public static HttpClient defaultClient() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** Downloads {@code image} to {@code destination} (atomically), verified; returns the checksum it matched. */
    public String download(CloudImage image, Path destination, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String listText = fetchText(image.checksumsUri(), remaining(deadline, image));
        ChecksumList list = ChecksumList.parse(listText);
        String expected = list.checksumOf(image.fileName()).orElseThrow(() -> new VmboxException(ExitCode.SECURITY,
                "the publisher's checksum list " + image.checksumsUri() + " has no entry for " + image.fileName(),
                "the image was not downloaded; check the image name or try again later"));
        int expectedLength = image.algorithm().equals("SHA-256") ? 64 : 128;
        if (expected.length() != expectedLength) {
            throw new VmboxException(ExitCode.SECURITY, "the checksum for " + image.fileName() + " in "
                    + image.checksumsUri() + " is not a " + image.algorithm() + " digest",
                    "the image was not downloaded; report this to the vmbox maintainers");
        }
        try {
            Files.createDirectories(destination.getParent());
        } catch (IOException e) {
            throw VmboxException.failed("cannot create " + destination.getParent() + ": " + e.getMessage(),
                    "check the permissions of the vmbox home folder", e);
        }
        Path partial = destination.resolveSibling(destination.getFileName() + ".partial");
        String actual;
        try {
            actual = streamTo(image.imageUri(), partial, image.algorithm(), remaining(deadline, image));
            if (!actual.equals(expected)) {
                throw new VmboxException(ExitCode.SECURITY, "checksum mismatch for " + image.imageUri() + ": expected "
                        + image.algorithm() + " " + expected + ", got " + actual,
                        "the download was deleted and not used; try again, and if it persists report it to the publisher");
            }
            Files.move(partial, destination, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            log.debug("verified " + image.fileName() + " " + image.algorithm() + " " + actual);
            return actual;
        } catch (IOException e) {
            throw VmboxException.failed("cannot write " + destination + ": " + e.getMessage(),
                    "check free disk space in the vmbox home folder", e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // best effort: the partial file is never used
            }
        }
    }

    private String fetchText(URI uri, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            checkStatus(uri, response.statusCode());
            return response.body();
        } catch (java.net.http.HttpTimeoutException e) {
            throw new VmboxException(ExitCode.TIMEOUT, "timed out fetching " + uri, "check the network or raise the timeout", e);
        } catch (IOException e) {
            throw unreachable(uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while fetching " + uri, null, e);
        }
    }

    private String streamTo(URI uri, Path file, String algorithm, Duration timeout) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new VmboxException(ExitCode.INTERNAL, algorithm + " is not available in this Java runtime", null, e);
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (java.net.http.HttpTimeoutException e) {
            throw new VmboxException(ExitCode.TIMEOUT, "timed out fetching " + uri, "check the network or raise the timeout", e);
        } catch (IOException e) {
            throw unreachable(uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while fetching " + uri, null, e);
        }
        try (InputStream in = response.body()) {
            checkStatus(uri, response.statusCode());
            try (OutputStream out = Files.newOutputStream(file)) {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    digest.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                }
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void checkStatus(URI uri, int status) {
        if (status == 404) {
            throw VmboxException.notFound("not found at the publisher: " + uri, "the image may have moved; update vmbox");
        }
        if (status / 100 != 2) {
            throw VmboxException.failed("HTTP " + status + " fetching " + uri, "try again later", null);
        }
    }

    private static VmboxException unreachable(URI uri, IOException e) {
        return new VmboxException(ExitCode.UNAVAILABLE, "cannot reach " + uri.getHost() + " to fetch " + uri + ": " + e,
                "check the network, or build the default image locally with: vmbox image build", e);
    }

    private static Duration remaining(Instant deadline, CloudImage image) {
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative() || left.isZero()) {
            throw new VmboxException(ExitCode.TIMEOUT, "timed out downloading " + image.name(), "raise the timeout");
        }
        return left;
    }
}
