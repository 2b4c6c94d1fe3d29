package dev.vmbox.download;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.log.EventLog;
import dev.vmbox.wait.Deadline;
import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one HTTP download stack of vmbox: runtimes, models and cloud images (the largest files) go through it.
 * Each file is verified against its pinned or published digest (sha256 or sha512) and lands in a
 * {@link ContentCache}.
 *
 * <ul>
 * <li>The body is written to {@code partial/<hex>.part}; only after the digest matches is it moved
 * atomically to its final name, so a partial or wrong file never sits under the final name.</li>
 * <li>An interrupted transfer is resumed with an HTTP Range request on the next attempt (or started
 * again when the server ignores the range); the digest always covers the whole file.</li>
 * <li>Connect timeout, time-to-headers timeout and a stall guard on the body (no byte for
 * {@code readTimeout} ends the attempt: on Java 17 {@code HttpRequest.timeout} bounds only the wait for
 * the headers) bound every attempt; attempts are bounded too, and so is the whole fetch when the caller
 * gives a {@link Deadline}.</li>
 * <li>Redirects are followed by hand: https only (http only to loopback), at most
 * {@code maxRedirects}, and request headers such as a token are not sent to another host.</li>
 * <li>A publisher's checksum list (SHA256SUMS, SHA512SUMS) is read with a bound on its size.</li>
 * </ul>
 */
public record Downloader(HttpClient client, Options options, EventLog log) {
    /** Timeouts and limits of a downloader. */
    public record Options(Duration connectTimeout, Duration readTimeout, int maxAttempts, int maxRedirects,
            Duration progressInterval) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(20), Duration.ofSeconds(60), 4, 5, Duration.ofMillis(250));
        }

        public Options withReadTimeout(Duration d) {
            return new Options(connectTimeout, d, maxAttempts, maxRedirects, progressInterval);
        }

        public Options withMaxAttempts(int n) {
            return new Options(connectTimeout, readTimeout, n, maxRedirects, progressInterval);
        }
    }

    /** A small response read fully into memory (manifests, API JSON), bounded in size. */
    public record SmallResponse(int status, byte[] body, URI finalUri) {
    }

    /** The largest checksum list vmbox reads: Debian's and Ubuntu's are a few KiB. */
    public static final long MAX_CHECKSUM_LIST_BYTES = 1L << 20;

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    /** The bound of a fetch whose caller gives no deadline: only the stall guard and the attempts limit it. */
    private static final Duration NO_OVERALL_LIMIT = Duration.ofDays(365);

    /** A downloader with its own HTTP client built from the options. */
    public static Downloader create(Options options, EventLog log) {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.getDefault())
                .build();
        return new Downloader(client, options, log);
    }

    public static Downloader create(EventLog log) {
        return create(Options.defaults(), log);
    }

    /**
     * Returns the verified file for the request from the cache, downloading it first when needed; bounded by
     * the stall guard and the attempts, not by a total time.
     *
     * @throws VmboxException SECURITY when the digest does not match; TIMEOUT when the server stalls on
     *                        every attempt; FAILED for HTTP errors and truncated transfers; BAD_INPUT for a
     *                        refused URL
     */
    public Path fetch(DownloadRequest request, ContentCache cache, DownloadListener listener) {
        return fetch(request, cache, listener, Deadline.in(NO_OVERALL_LIMIT));
    }

    /** {@link #fetch(DownloadRequest, ContentCache, DownloadListener)} that also ends (TIMEOUT) at {@code deadline}. */
    public Path fetch(DownloadRequest request, ContentCache cache, DownloadListener listener, Deadline deadline) {
        Optional<Path> hit = cache.find(request.digest());
        if (hit.isPresent()) {
            long size = sizeOf(hit.get());
            listener.progress(new DownloadProgress(request.displayName(), size, size, 0, Duration.ZERO, true));
            log.debug("download: " + request.displayName() + " already in the cache as " + hit.get());
            return hit.get();
        }
        UrlPolicy.require(request.uri(), request.displayName());
        Path partial = cache.partialFor(request.digest());
        try {
            cache.ensureDirs(partial.getParent());
        } catch (IOException e) {
            throw VmboxException.failed("cannot create the download folder " + partial.getParent() + ": " + e.getMessage(),
                    "check the permissions of " + cache.root(), e);
        }
        RetryableFailure last = null;
        int allowed = Math.max(1, options.maxAttempts());
        int made = 0;
        boolean extraGiven = false;
        try (FileChannel lockChannel = FileChannel.open(partial.resolveSibling(partial.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockChannel.tryLock()) {
            if (lock == null) {
                throw VmboxException.failed("another vmbox process is downloading " + request.displayName() + " right now",
                        "wait for it to finish, then run the command again (the file will come from the cache)", null);
            }
            while (made < allowed) {
                made++;
                try {
                    attempt(request, partial, listener, deadline);
                    long size = sizeOf(partial);
                    Path done = cache.commit(partial, request.digest());
                    listener.progress(new DownloadProgress(request.displayName(), size, size, 0, Duration.ZERO, true));
                    return done;
                } catch (RetryableFailure e) {
                    last = e;
                    log.debug("download: attempt " + made + " of " + request.displayName() + " failed: " + e.getMessage());
                    if (e.exitCode == ExitCode.SECURITY && !extraGiven) {
                        // a bad resumed file: one more attempt from zero, whatever the attempt budget
                        extraGiven = true;
                        allowed++;
                    }
                }
            }
        } catch (java.nio.channels.OverlappingFileLockException e) {
            throw VmboxException.failed("another download of " + request.displayName() + " is running in this process",
                    "wait for it to finish", e);
        } catch (IOException e) {
            throw VmboxException.failed("cannot lock the download of " + request.displayName() + " in " + cache.root() + ": "
                    + e.getMessage(), "check the permissions of " + cache.root(), e);
        }
        throw new VmboxException(last.exitCode, "downloading " + request.displayName() + " from "
                + UrlPolicy.safe(request.uri()) + " failed after " + made + (made == 1 ? " attempt: " : " attempts: ")
                + last.getMessage(),
                last.exitCode == ExitCode.TIMEOUT
                        ? "the server stopped sending data; check the network and run the command again (it resumes)"
                        : "check the network and run the command again (the download resumes where it stopped)",
                last);
    }

    /**
     * GETs a small document (a manifest, API JSON), following redirects by the same policy, and reads
     * at most {@code maxBytes}; any status is returned to the caller to interpret.
     */
    public SmallResponse get(URI uri, Map<String, String> headers, long maxBytes) {
        return getBounded(uri, headers, maxBytes, false, "the answer from");
    }

    /**
     * GETs the first {@code maxBytes} of a file with a Range request (a server that ignores the range is
     * read only that far), e.g. to read a model's header before downloading it.
     */
    public SmallResponse getPrefix(URI uri, Map<String, String> headers, long maxBytes) {
        Map<String, String> h = new java.util.HashMap<>(headers);
        h.put("Range", "bytes=0-" + (maxBytes - 1));
        return getBounded(uri, h, maxBytes, true, "the answer from");
    }

    /**
     * The digest a publisher's checksum list (SHA256SUMS, SHA512SUMS; at most {@code maxBytes}) gives for
     * {@code fileName}, which must be an {@code algorithm} digest.
     *
     * @throws VmboxException NOT_FOUND when the list is not there (HTTP 404/410); FAILED when it is larger
     *                        than {@code maxBytes} or cannot be fetched; SECURITY when it has no entry for the
     *                        file, or one of another algorithm
     */
    public Digest publishedDigest(URI list, String fileName, Digest.Algorithm algorithm, long maxBytes) {
        SmallResponse r = getBounded(list, Map.of(), maxBytes, false, "the checksum list");
        String where = UrlPolicy.safe(r.finalUri());
        if (r.status() == 404 || r.status() == 410) {
            throw VmboxException.notFound("the checksum list " + where + " is not there (HTTP " + r.status() + ")",
                    "the publisher may have moved the file; update vmbox");
        }
        if (r.status() / 100 != 2) {
            throw VmboxException.failed("HTTP " + r.status() + reason(r.status()) + " fetching the checksum list " + where,
                    "try again later", null);
        }
        ChecksumList checksums = ChecksumList.parse(new String(r.body(), StandardCharsets.UTF_8));
        Digest digest = checksums.digestOf(fileName).orElseThrow(() -> new VmboxException(ExitCode.SECURITY,
                "the publisher's checksum list " + where + " has no entry for " + fileName,
                "the file was not downloaded; check its name or try again later"));
        if (digest.algorithm() != algorithm) {
            throw new VmboxException(ExitCode.SECURITY, "the checksum for " + fileName + " in " + where + " is not a "
                    + algorithm.jcaName() + " digest", "the file was not downloaded; report this to the vmbox maintainers");
        }
        return digest;
    }

    /**
     * True when {@code e} (or a cause of it) says the server could not be reached at all: no route, refused,
     * unknown name, no connection within the connect timeout.
     */
    public static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException
                    || t instanceof UnresolvedAddressException || t instanceof HttpConnectTimeoutException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private SmallResponse getBounded(URI uri, Map<String, String> headers, long maxBytes, boolean truncate, String what) {
        UrlPolicy.require(uri, UrlPolicy.safe(uri));
        Deadline unbounded = Deadline.in(NO_OVERALL_LIMIT);
        for (int attempt = 1; ; attempt++) {
            try {
                Opened opened = open(uri, headers, -1, unbounded);
                try (InputStream in = opened.response.body()) {
                    byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                    if (truncate && body.length > maxBytes) {
                        body = java.util.Arrays.copyOf(body, (int) maxBytes);
                    } else if (body.length > maxBytes) {
                        throw VmboxException.failed(what + " " + UrlPolicy.safe(opened.uri) + " is larger than "
                                + maxBytes + " bytes: refused", "this is not the document vmbox expected; check the URL", null);
                    }
                    int status = opened.response.statusCode();
                    if ((status >= 500 || status == 429) && attempt < options.maxAttempts()) {
                        continue;
                    }
                    return new SmallResponse(status, body, opened.uri);
                }
            } catch (RetryableFailure e) {
                if (attempt >= options.maxAttempts()) {
                    throw new VmboxException(e.exitCode, "cannot fetch " + UrlPolicy.safe(uri) + ": " + e.getMessage(),
                            "check the network and try again", e);
                }
            } catch (IOException e) {
                if (attempt >= options.maxAttempts()) {
                    throw VmboxException.failed("cannot fetch " + UrlPolicy.safe(uri) + ": " + describe(e),
                            "check the network and try again", e);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    private void attempt(DownloadRequest request, Path partial, DownloadListener listener, Deadline deadline)
            throws RetryableFailure {
        long have = Files.isRegularFile(partial) ? sizeOf(partial) : 0;
        long expected = request.expectedSize();
        if (expected >= 0 && have > expected) {
            deleteQuietly(partial);
            have = 0;
        }
        MessageDigest digest = request.digest().newMessageDigest();
        if (expected >= 0 && have == expected) {
            hashInto(partial, digest);
            verifyResumed(request, partial, digest);
            return;
        }
        Opened opened;
        try {
            opened = open(request.uri(), request.headers(), have, deadline);
        } catch (IOException e) {
            throw new RetryableFailure(ExitCode.FAILED, describe(e), e);
        }
        HttpResponse<InputStream> response = opened.response;
        int status = response.statusCode();
        boolean append;
        long total;
        if (status == 206 && have > 0) {
            long[] range = contentRange(response);
            if (range == null || range[0] != have) {
                closeQuietly(response.body());
                deleteQuietly(partial);
                throw new RetryableFailure(ExitCode.FAILED, "the server answered a resume with the wrong range", null);
            }
            append = true;
            total = range[2];
        } else if (status == 200) {
            append = false;
            long len = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            total = len;
        } else if (status == 416 && have > 0) {
            closeQuietly(response.body());
            deleteQuietly(partial);
            throw new RetryableFailure(ExitCode.FAILED, "the server refused to resume (HTTP 416); starting again", null);
        } else {
            closeQuietly(response.body());
            if (status >= 500 || status == 429 || status == 408) {
                throw new RetryableFailure(ExitCode.FAILED, "the server answered HTTP " + status, null);
            }
            throw new VmboxException(ExitCode.FAILED, "downloading " + request.displayName() + " from "
                    + UrlPolicy.safe(opened.uri) + " failed: HTTP " + status + reason(status), hintFor(status));
        }
        if (expected >= 0 && total >= 0 && total != expected) {
            closeQuietly(response.body());
            throw new VmboxException(ExitCode.SECURITY, "the server offers " + request.displayName() + " with "
                    + total + " bytes but " + expected + " bytes are pinned", "the file on the server is not the pinned one;"
                    + " do not use it (check the version you asked for)");
        }
        if (total < 0) {
            total = expected;
        }
        if (append) {
            hashInto(partial, digest);
        } else {
            have = 0;
        }
        copyBody(request, opened.uri, response.body(), partial, append, digest, have, total, listener, deadline);
        long now = sizeOf(partial);
        if (total >= 0 && now < total) {
            throw new RetryableFailure(ExitCode.FAILED, "the transfer stopped after " + now + " of " + total + " bytes", null);
        }
        if (append) {
            verifyResumed(request, partial, digest);
        } else {
            verify(request, partial, digest);
        }
    }

    /** Thrown by the stall guard inside the wait for the body; turned into a retryable TIMEOUT. */
    private static final class Stalled extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stalled(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Copies the body to the partial file on a worker thread while this thread waits for it ({@link Poll}, each
     * attempt waiting up to the progress interval for the copy to end): progress after each attempt, the stall guard as the wait's liveness check (no byte for {@code readTimeout}
     * ends the attempt), the caller's deadline as the wait's bound.
     */
    private void copyBody(DownloadRequest request, URI from, InputStream body, Path partial, boolean append,
            MessageDigest digest, long start, long total, DownloadListener listener, Deadline deadline)
            throws RetryableFailure {
        AtomicLong written = new AtomicLong(start);
        AtomicLong lastByteNanos = new AtomicLong(System.nanoTime());
        long limit = total >= 0 ? total : Long.MAX_VALUE;
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "vmbox-download");
            t.setDaemon(true);
            return t;
        });
        Future<Void> copy = worker.submit(() -> {
            try (InputStream in = body; OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    long room = limit - written.get();
                    if (n > room) {
                        throw new IOException("the server sent more than the " + limit + " bytes it announced");
                    }
                    out.write(buf, 0, n);
                    digest.update(buf, 0, n);
                    written.addAndGet(n);
                    lastByteNanos.set(System.nanoTime());
                    if (Thread.currentThread().isInterrupted()) {
                        throw new IOException("cancelled");
                    }
                }
            }
            return null;
        });
        long began = System.nanoTime();
        long readTimeoutNanos = options.readTimeout().toNanos();
        Duration every = Duration.ofMillis(Math.max(10, Math.min(options.progressInterval().toMillis(),
                options.readTimeout().toMillis() / 4)));
        try {
            // each attempt waits up to `every` for the copy itself, so a finished copy ends the wait at once
            Poll.until("the download of " + request.displayName(), () -> {
                try {
                    copy.get(every.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    throw new NotReady(written.get() + (total >= 0 ? " of " + total : "") + " bytes");
                } catch (ExecutionException e) {
                    // the copy failed: surfaced by copy.get() below
                } catch (InterruptedException e) {
                    throw new VmboxException(ExitCode.INTERRUPTED, "interrupted", null, e);
                }
                return null;
            }).every(Duration.ZERO)
                    .aliveWhile(() -> {
                        if (System.nanoTime() - lastByteNanos.get() > readTimeoutNanos) {
                            throw new Stalled("no data for " + describe(options.readTimeout()) + " after " + written.get()
                                    + (total >= 0 ? " of " + total : "") + " bytes");
                        }
                    })
                    .onWait((seen, waited) -> listener.progress(progress(request, written.get(), start, total, began,
                            System.nanoTime())))
                    .onTimeout(ExitCode.TIMEOUT, "downloading " + request.displayName() + " from " + UrlPolicy.safe(from)
                            + " did not finish within " + describe(deadline.total()))
                    .timeoutHint("run the command again (the download resumes where it stopped)")
                    .await(deadline);
            copy.get();
            listener.progress(progress(request, written.get(), start, total, began, System.nanoTime()));
        } catch (Stalled e) {
            stop(copy, body);
            throw new RetryableFailure(ExitCode.TIMEOUT, e.getMessage(), null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String msg = cause instanceof IOException io ? describe(io) : String.valueOf(cause);
            if (msg.contains("more than the")) {
                deleteQuietly(partial);
                throw new VmboxException(ExitCode.SECURITY, "downloading " + request.displayName() + ": " + msg,
                        "the server is not serving the pinned file", cause);
            }
            throw new RetryableFailure(ExitCode.FAILED, msg, cause);
        } catch (InterruptedException e) {
            stop(copy, body);
            Thread.currentThread().interrupt();
            throw interrupted(request, e);
        } catch (VmboxException e) {
            stop(copy, body);
            if (e.exitCode() == ExitCode.INTERRUPTED) {
                throw interrupted(request, e);
            }
            throw e;
        } finally {
            worker.shutdownNow();
        }
    }

    private static void stop(Future<?> copy, InputStream body) {
        copy.cancel(true);
        closeQuietly(body);
    }

    private static VmboxException interrupted(DownloadRequest request, Exception e) {
        return new VmboxException(ExitCode.INTERRUPTED, "download of " + request.displayName() + " interrupted",
                "run the command again; the download resumes where it stopped", e);
    }

    private static DownloadProgress progress(DownloadRequest request, long bytes, long start, long total, long began, long now) {
        double seconds = Math.max(1e-3, (now - began) / 1e9);
        return new DownloadProgress(request.displayName(), bytes, total, (bytes - start) / seconds,
                Duration.ofNanos(now - began), false);
    }

    /**
     * A file assembled from an earlier partial download may be wrong because the partial was (the server
     * changed the file, or the disk lost data): start again from zero once before calling it tampering.
     */
    private static void verifyResumed(DownloadRequest request, Path partial, MessageDigest digest) throws RetryableFailure {
        String got = HexFormat.of().formatHex(digest.digest());
        if (!got.equals(request.digest().hex())) {
            deleteQuietly(partial);
            throw new RetryableFailure(ExitCode.SECURITY, "the resumed file did not match its checksum; starting again", null);
        }
    }

    private static void verify(DownloadRequest request, Path partial, MessageDigest digest) {
        String got = HexFormat.of().formatHex(digest.digest());
        Digest want = request.digest();
        if (!got.equals(want.hex())) {
            deleteQuietly(partial);
            String algorithm = want.algorithm().label();
            throw new VmboxException(ExitCode.SECURITY, "checksum mismatch for " + request.displayName() + " from "
                    + UrlPolicy.safe(request.uri()) + ": got " + algorithm + " " + got + ", expected " + want.hex(),
                    "the file was not kept; the server or the network altered it, or the pinned checksum is out of date");
        }
    }

    private record Opened(HttpResponse<InputStream> response, URI uri) {
    }

    /** Sends a GET, following redirects by the URL policy. */
    private Opened open(URI first, Map<String, String> headers, long rangeFrom, Deadline deadline)
            throws IOException, RetryableFailure {
        URI uri = first;
        for (int hop = 0; ; hop++) {
            Duration headersWithin = deadline.remaining("downloading " + UrlPolicy.safe(first), options.readTimeout());
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(headersWithin)
                    .header("User-Agent", "vmbox");
            boolean sameHost = uri.getHost().equalsIgnoreCase(first.getHost()) && uri.getPort() == first.getPort();
            if (sameHost) {
                headers.forEach(b::header);
            } else {
                headers.forEach((k, v) -> {
                    if (!k.equalsIgnoreCase("Authorization") && !k.equalsIgnoreCase("Cookie")) {
                        b.header(k, v);
                    }
                });
            }
            if (rangeFrom > 0) {
                b.header("Range", "bytes=" + rangeFrom + "-");
            }
            HttpResponse<InputStream> response;
            try {
                response = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpConnectTimeoutException e) {
                throw new RetryableFailure(ExitCode.TIMEOUT, "connecting to " + uri.getHost() + " timed out", e);
            } catch (HttpTimeoutException e) {
                throw new RetryableFailure(ExitCode.TIMEOUT, "no answer from " + uri.getHost() + " within "
                        + describe(headersWithin), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmboxException(ExitCode.INTERRUPTED, "download interrupted", "run the command again", e);
            }
            int status = response.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                closeQuietly(response.body());
                Optional<String> location = response.headers().firstValue("Location");
                if (location.isEmpty()) {
                    throw new RetryableFailure(ExitCode.FAILED, "redirect (HTTP " + status + ") without a Location", null);
                }
                if (hop + 1 > options.maxRedirects()) {
                    throw new VmboxException(ExitCode.FAILED, "too many redirects fetching " + UrlPolicy.safe(first),
                            "the server redirects in a loop; try again later");
                }
                URI next;
                try {
                    next = uri.resolve(location.get());
                } catch (IllegalArgumentException e) {
                    throw new VmboxException(ExitCode.FAILED, "bad redirect target from " + UrlPolicy.safe(uri),
                            "the server sent an invalid Location header");
                }
                if (!UrlPolicy.allowed(next)) {
                    throw new VmboxException(ExitCode.SECURITY, "refusing a redirect from " + UrlPolicy.safe(uri) + " to "
                            + UrlPolicy.safe(next) + ": only https is followed", "download the file by hand and pass it as a file");
                }
                uri = next;
                continue;
            }
            return new Opened(response, uri);
        }
    }

    private static long[] contentRange(HttpResponse<?> response) {
        Optional<String> cr = response.headers().firstValue("Content-Range");
        if (cr.isEmpty()) {
            return null;
        }
        Matcher m = CONTENT_RANGE.matcher(cr.get().trim());
        if (!m.matches()) {
            return null;
        }
        long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), total};
    }

    private static void hashInto(Path file, MessageDigest digest) {
        try {
            Sha256.hashInto(file, digest);
        } catch (IOException e) {
            throw VmboxException.failed("cannot read the partial download " + file + ": " + e.getMessage(),
                    "delete " + file + " and try again", e);
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 401 -> " (authentication required)";
            case 403 -> " (forbidden)";
            case 404 -> " (not found)";
            case 410 -> " (gone)";
            default -> "";
        };
    }

    private static String hintFor(int status) {
        return switch (status) {
            case 401, 403 -> "the file needs access rights (a gated model?); accept its licence and give a token,"
                    + " or download it yourself and pass the file";
            case 404, 410 -> "check the name, version or path; the file does not exist at that address";
            default -> "try again later, or download the file yourself and pass it as a file";
        };
    }

    /** {@code 60 s}, or {@code 400 ms} below a second. */
    static String describe(Duration d) {
        return d.compareTo(Duration.ofSeconds(1)) < 0 ? d.toMillis() + " ms" : d.toSeconds() + " s";
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a leftover .part is never used under a final name
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing an abandoned body
        }
    }

    /** An attempt failed in a way another attempt may fix (timeout, reset, truncation, 5xx). */
    static final class RetryableFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final transient ExitCode exitCode;

        RetryableFailure(ExitCode exitCode, String message, Throwable cause) {
            super(message, cause);
            this.exitCode = exitCode;
        }
    }
}
