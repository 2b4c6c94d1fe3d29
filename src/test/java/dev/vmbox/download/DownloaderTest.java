package dev.vmbox.download;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.log.EventLog;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The download path against a real JDK HTTP server on 127.0.0.1. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DownloaderTest {
    @TempDir
    Path tmp;

    private HttpServer server;
    private ExecutorService pool;
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private byte[] data;
    private String sha;
    private ContentCache cache;

    @BeforeEach
    void start() throws IOException {
        data = new byte[300_000];
        new Random(42).nextBytes(data);
        sha = Sha256.of(data);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        pool = Executors.newCachedThreadPool();
        server.setExecutor(pool);
        server.start();
        cache = new ContentCache(tmp.resolve("cache"));
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        pool.shutdownNow();
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private Downloader downloader(int attempts, Duration readTimeout) {
        return Downloader.create(Downloader.Options.defaults().withMaxAttempts(attempts).withReadTimeout(readTimeout),
                EventLog.NONE);
    }

    /** Serves {@code data}, honouring Range requests. */
    private void serveFile(String path) {
        server.createContext(path, ex -> {
            requests.incrementAndGet();
            String range = ex.getRequestHeaders().getFirst("Range");
            ranges.add(String.valueOf(range));
            int from = 0;
            if (range != null && range.startsWith("bytes=")) {
                from = Integer.parseInt(range.substring(6, range.indexOf('-')));
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
                ex.sendResponseHeaders(206, data.length - from);
            } else {
                ex.sendResponseHeaders(200, data.length);
            }
            try (OutputStream out = ex.getResponseBody()) {
                out.write(data, from, data.length - from);
            }
        });
    }

    /**
     * A raw socket server that answers each connection in turn: the first {@code truncated} with the
     * headers of the whole file but half the body, then drops the connection; later ones in full
     * (ignoring Range). Returns the URL.
     */
    private URI rawServer(int truncated) throws IOException {
        java.net.ServerSocket ss = new java.net.ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        pool.submit(() -> {
            try (ss) {
                for (int i = 0; i < 5 && release.getCount() > 0; i++) {
                    try (java.net.Socket s = ss.accept()) {
                        requests.incrementAndGet();
                        java.io.InputStream in = s.getInputStream();
                        StringBuilder head = new StringBuilder();
                        int c;
                        while (!head.toString().endsWith("\r\n\r\n") && (c = in.read()) >= 0) {
                            head.append((char) c);
                        }
                        String range = head.toString().lines().filter(l -> l.toLowerCase().startsWith("range:"))
                                .findFirst().orElse("null");
                        ranges.add(range);
                        OutputStream out = s.getOutputStream();
                        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + data.length + "\r\nConnection: close\r\n\r\n")
                                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        out.write(data, 0, i < truncated ? data.length / 2 : data.length);
                        out.flush();
                    }
                }
            }
            return null;
        });
        return URI.create("http://127.0.0.1:" + ss.getLocalPort() + "/f");
    }

    @Test
    void goodDownloadLandsInTheCacheUnderItsDigestWithProgress() {
        serveFile("/f.tgz");
        List<DownloadProgress> seen = new CopyOnWriteArrayList<>();
        Path p = downloader(1, Duration.ofSeconds(5)).fetch(DownloadRequest.of(url("/f.tgz"), sha).withSize(data.length),
                cache, seen::add);
        assertEquals(cache.pathFor(sha), p);
        assertArrayEquals(data, readAll(p));
        assertFalse(Files.exists(cache.partialFor(sha)), "no partial file left");
        DownloadProgress last = seen.get(seen.size() - 1);
        assertTrue(last.done());
        assertEquals(data.length, last.bytes());
        assertEquals(data.length, last.totalBytes());
        assertTrue(seen.stream().anyMatch(x -> !x.done() && x.bytesPerSecond() > 0), "rate reported while running");
        assertEquals("f.tgz", last.name());
    }

    @Test
    void secondFetchIsServedFromTheCache() {
        serveFile("/f");
        Downloader d = downloader(1, Duration.ofSeconds(5));
        d.fetch(DownloadRequest.of(url("/f"), sha), cache, DownloadListener.NONE);
        d.fetch(DownloadRequest.of(url("/f"), sha), cache, DownloadListener.NONE);
        assertEquals(1, requests.get());
    }

    @Test
    void badChecksumIsRefusedAndNothingIsKept() {
        serveFile("/f");
        String wrong = "0".repeat(64);
        VmboxException e = assertThrows(VmboxException.class,
                () -> downloader(3, Duration.ofSeconds(5)).fetch(DownloadRequest.of(url("/f"), wrong), cache,
                        DownloadListener.NONE));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains(sha), "names the digest it got");
        assertFalse(Files.exists(cache.pathFor(wrong)));
        assertFalse(Files.exists(cache.partialFor(wrong)));
        assertEquals(1, requests.get(), "a checksum mismatch is not retried");
    }

    @Test
    void truncatedTransferKeepsOnlyThePartialAndTheNextRunResumes() throws IOException {
        URI raw = rawServer(1);
        VmboxException e = assertThrows(VmboxException.class,
                () -> downloader(1, Duration.ofSeconds(5)).fetch(DownloadRequest.of(raw, sha), cache,
                        DownloadListener.NONE));
        assertEquals(ExitCode.FAILED, e.exitCode(), e.getMessage());
        assertFalse(Files.exists(cache.pathFor(sha)), "never a partial file under the final name");
        assertTrue(Files.exists(cache.partialFor(sha)));
        long kept = readAll(cache.partialFor(sha)).length;
        assertTrue(kept > 0 && kept < data.length, "partial kept for resume: " + kept);

        serveFile("/f");
        ranges.clear();
        Path p = downloader(1, Duration.ofSeconds(5)).fetch(DownloadRequest.of(url("/f"), sha), cache,
                DownloadListener.NONE);
        assertArrayEquals(data, readAll(p));
        assertEquals("bytes=" + kept + "-", ranges.get(0), "resumed with a Range request");
        assertFalse(Files.exists(cache.partialFor(sha)));
    }

    @Test
    void truncationIsRetriedWithinOneFetchAndARangeIgnoringServerRestartsFromZero() throws IOException {
        URI raw = rawServer(1);
        Path p = downloader(3, Duration.ofSeconds(5)).fetch(DownloadRequest.of(raw, sha), cache,
                DownloadListener.NONE);
        assertArrayEquals(data, readAll(p));
        assertEquals(2, requests.get());
        assertTrue(ranges.get(1).toLowerCase().startsWith("range: bytes="), ranges.toString());
    }

    @Test
    void notFoundFailsAtOnceWithTheStatus() {
        server.createContext("/missing", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        VmboxException e = assertThrows(VmboxException.class,
                () -> downloader(3, Duration.ofSeconds(5)).fetch(DownloadRequest.of(url("/missing"), sha), cache,
                        DownloadListener.NONE));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
        assertEquals(1, requests.get());
        assertFalse(Files.exists(cache.pathFor(sha)));
    }

    @Test
    void serverErrorIsRetried() {
        AtomicInteger calls = new AtomicInteger();
        server.createContext("/f", ex -> {
            if (calls.getAndIncrement() == 0) {
                ex.sendResponseHeaders(503, -1);
                ex.close();
                return;
            }
            ex.sendResponseHeaders(200, data.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(data);
            }
        });
        Path p = downloader(2, Duration.ofSeconds(5)).fetch(DownloadRequest.of(url("/f"), sha), cache,
                DownloadListener.NONE);
        assertArrayEquals(data, readAll(p));
    }

    @Test
    void stalledServerTimesOutAndLeavesNoFinalFile() {
        server.createContext("/slow", ex -> {
            ex.sendResponseHeaders(200, data.length);
            OutputStream out = ex.getResponseBody();
            out.write(data, 0, 1000);
            out.flush();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        long t0 = System.nanoTime();
        VmboxException e = assertThrows(VmboxException.class,
                () -> downloader(1, Duration.ofMillis(400)).fetch(DownloadRequest.of(url("/slow"), sha), cache,
                        DownloadListener.NONE));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(ExitCode.TIMEOUT, e.exitCode());
        assertTrue(ms < 5000, "gave up promptly: " + ms + " ms");
        assertFalse(Files.exists(cache.pathFor(sha)));
    }

    @Test
    void aTrickleThatNeverStallsStillEndsAtTheCallersDeadline() {
        server.createContext("/trickle", ex -> {
            ex.sendResponseHeaders(200, data.length);
            OutputStream out = ex.getResponseBody();
            try {
                for (int i = 0; i < 200 && release.getCount() > 0; i++) {
                    out.write(data, i, 1);
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (IOException | InterruptedException ignored) {
                // the client gave up
            }
            ex.close();
        });
        long t0 = System.nanoTime();
        VmboxException e = assertThrows(VmboxException.class,
                () -> downloader(3, Duration.ofMillis(400)).fetch(DownloadRequest.of(url("/trickle"), sha), cache,
                        DownloadListener.NONE, dev.vmbox.wait.Deadline.in(Duration.ofSeconds(1))));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(ExitCode.TIMEOUT, e.exitCode());
        assertTrue(e.getMessage().contains("did not finish within 1 s"), e.getMessage());
        assertTrue(ms < 4000, "ended at the deadline: " + ms + " ms");
        assertFalse(Files.exists(cache.pathFor(sha)));
    }

    @Test
    void aSha512PinnedFileIsVerifiedAndCachedUnderItsSha512() {
        serveFile("/f");
        Digest d = new Digest(Digest.Algorithm.SHA512,
                java.util.HexFormat.of().formatHex(Digest.Algorithm.SHA512.newMessageDigest().digest(data)));
        Path p = downloader(1, Duration.ofSeconds(5)).fetch(DownloadRequest.of(url("/f"), d), cache, DownloadListener.NONE);
        assertEquals(cache.root().resolve("sha512").resolve(d.hex()), p);
        assertArrayEquals(data, readAll(p));
    }

    @Test
    void headersThatNeverComeTimeOut() {
        server.createContext("/silent", ex -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        VmboxException e = assertThrows(VmboxException.class,
                () -> downloader(1, Duration.ofMillis(400)).fetch(DownloadRequest.of(url("/silent"), sha), cache,
                        DownloadListener.NONE));
        assertEquals(ExitCode.TIMEOUT, e.exitCode());
    }

    @Test
    void sizeDifferentFromThePinnedSizeIsRefused() {
        serveFile("/f");
        VmboxException e = assertThrows(VmboxException.class,
                () -> downloader(1, Duration.ofSeconds(5)).fetch(DownloadRequest.of(url("/f"), sha).withSize(10), cache,
                        DownloadListener.NONE));
        assertEquals(ExitCode.SECURITY, e.exitCode());
    }

    @Test
    void redirectToLoopbackIsFollowedButPlainHttpElsewhereIsRefused() {
        serveFile("/real");
        server.createContext("/moved", ex -> {
            ex.getResponseHeaders().add("Location", "/real");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.createContext("/away", ex -> {
            ex.getResponseHeaders().add("Location", "http://example.com/file");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        Path p = downloader(1, Duration.ofSeconds(5)).fetch(DownloadRequest.of(url("/moved"), sha), cache,
                DownloadListener.NONE);
        assertArrayEquals(data, readAll(p));
        String other = Sha256.of(new byte[] {1});
        VmboxException e = assertThrows(VmboxException.class,
                () -> downloader(1, Duration.ofSeconds(5)).fetch(DownloadRequest.of(url("/away"), other), cache,
                        DownloadListener.NONE));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().contains("only https"), e.getMessage());
    }

    @Test
    void plainHttpToANonLoopbackHostIsRefusedBeforeAnyTraffic() {
        VmboxException e = assertThrows(VmboxException.class,
                () -> downloader(1, Duration.ofSeconds(5)).fetch(
                        DownloadRequest.of(URI.create("http://example.com/x"), sha), cache, DownloadListener.NONE));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
    }

    @Test
    void smallGetIsBounded() {
        server.createContext("/big", ex -> {
            ex.sendResponseHeaders(200, data.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(data);
            } catch (IOException ignored) {
                // the client stops reading
            }
        });
        Downloader d = downloader(1, Duration.ofSeconds(5));
        assertEquals(200, d.get(url("/big"), java.util.Map.of(), data.length).status());
        VmboxException e = assertThrows(VmboxException.class, () -> d.get(url("/big"), java.util.Map.of(), 1000));
        assertTrue(e.getMessage().contains("larger than 1000 bytes"), e.getMessage());
    }

    @Test
    void importVerifiedCopiesOnlyAMatchingFile() throws IOException {
        Path f = tmp.resolve("bundle.tgz");
        Files.write(f, data);
        Path p = cache.importVerified(f, sha, "runtime bundle");
        assertArrayEquals(data, readAll(p));
        Files.write(f, new byte[] {1, 2, 3});
        String wrong = Sha256.of(new byte[] {9});
        VmboxException e = assertThrows(VmboxException.class, () -> cache.importVerified(f, wrong, "runtime bundle"));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertFalse(Files.exists(cache.pathFor(wrong)));
    }

    @Test
    void aCorruptPartialIsDiscardedAndTheFileFetchedAgain() throws IOException {
        serveFile("/f");
        Files.createDirectories(cache.partialFor(sha).getParent());
        Files.write(cache.partialFor(sha), new byte[data.length / 3]); // zeros: not the file's first bytes
        Path p = downloader(1, Duration.ofSeconds(5)).fetch(DownloadRequest.of(url("/f"), sha), cache,
                DownloadListener.NONE);
        assertArrayEquals(data, readAll(p));
        assertEquals(List.of("bytes=" + data.length / 3 + "-", "null"), ranges, "resumed, then started again");
    }

    @Test
    void aDownloadAlreadyRunningIsNotJoined() throws IOException {
        serveFile("/f");
        Path lockFile = cache.partialFor(sha).resolveSibling(cache.partialFor(sha).getFileName() + ".lock");
        Files.createDirectories(lockFile.getParent());
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lockFile,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                java.nio.channels.FileLock held = ch.lock()) {
            assertTrue(held.isValid());
            VmboxException e = assertThrows(VmboxException.class, () -> downloader(1, Duration.ofSeconds(5))
                    .fetch(DownloadRequest.of(url("/f"), sha), cache, DownloadListener.NONE));
            assertEquals(ExitCode.FAILED, e.exitCode());
            assertTrue(e.getMessage().contains("another download"), e.getMessage());
        }
        assertEquals(0, requests.get());
    }

    @Test
    void progressLine() {
        DownloadProgress p = new DownloadProgress("llama3.1:8b model", 3L << 30, 12L << 30, 45.5 * (1 << 20),
                Duration.ofSeconds(60), false);
        assertEquals("llama3.1:8b model  3.0 GiB / 12.0 GiB  25%  45.5 MiB/s", p.describe());
        assertEquals(0.25, p.fraction());
        assertEquals(-1, new DownloadProgress("x", 5, -1, 0, Duration.ZERO, false).fraction());
    }

    @Test
    void urlPolicy() {
        assertTrue(UrlPolicy.allowed(URI.create("https://huggingface.co/x")));
        assertTrue(UrlPolicy.allowed(URI.create("http://127.0.0.1:8080/x")));
        assertTrue(UrlPolicy.allowed(URI.create("http://[::1]:8080/x")));
        assertFalse(UrlPolicy.allowed(URI.create("http://10.0.0.1/x")));
        assertFalse(UrlPolicy.allowed(URI.create("http://127.0.0.1.evil.com/x")));
        assertFalse(UrlPolicy.allowed(URI.create("ftp://127.0.0.1/x")));
        assertFalse(UrlPolicy.allowed(URI.create("https://user:pw@host/x")));
        assertEquals("https://h/p?…", UrlPolicy.safe(URI.create("https://h/p?token=secret")));
    }

    private static byte[] readAll(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
