package dev.vmbox.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.Digest;
import dev.vmbox.download.Downloader;
import dev.vmbox.log.EventLog;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Download-and-verify against a publisher stand-in: a real HTTP server on 127.0.0.1. */
@org.junit.jupiter.api.Timeout(value = 60, unit = TimeUnit.SECONDS)
class ImageDownloadTest {
    @TempDir
    Path home;

    HttpServer server;
    final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final AtomicInteger imageRequests = new AtomicInteger();
    final byte[] image = "QFI\u00fbfake-qcow2-image-content".repeat(5000).getBytes(StandardCharsets.ISO_8859_1);

    /** Image requests whose body stops half-way until the test ends (a stalled server). */
    final AtomicInteger stallingRequests = new AtomicInteger();
    final CountDownLatch release = new CountDownLatch(1);
    final List<String> ranges = new CopyOnWriteArrayList<>();
    ExecutorService pool;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        pool = Executors.newCachedThreadPool();
        server.setExecutor(pool);
        server.createContext("/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring(1);
            byte[] body = files.get(name);
            boolean image = name.endsWith(".img") || name.endsWith(".qcow2");
            if (image) {
                imageRequests.incrementAndGet();
            }
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            String range = exchange.getRequestHeaders().getFirst("Range");
            int from = 0;
            if (image && range != null && range.startsWith("bytes=")) {
                ranges.add(range);
                from = Integer.parseInt(range.substring(6, range.indexOf('-')));
                exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
                exchange.sendResponseHeaders(206, body.length - from);
            } else {
                exchange.sendResponseHeaders(200, body.length);
            }
            OutputStream out = exchange.getResponseBody();
            try {
                if (image && stallingRequests.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    out.write(body, from, (body.length - from) / 2);
                    out.flush();
                    release.await(20, TimeUnit.SECONDS);
                } else {
                    out.write(body, from, body.length - from);
                }
            } catch (IOException | InterruptedException e) {
                // the client gave up on a stalled body
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        pool.shutdownNow();
    }

    CloudImage ubuntu() {
        return new CloudImage("ubuntu-24.04", URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"),
                "ubuntu-24.04-server-cloudimg-amd64.img", "SHA256SUMS", Digest.Algorithm.SHA256);
    }

    CloudImage debian() {
        return new CloudImage("debian-12", URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"),
                "debian-12-genericcloud-amd64.qcow2", "SHA512SUMS", Digest.Algorithm.SHA512);
    }

    ImageCache cache(CloudImage... images) {
        return cache(Downloader.create(EventLog.NONE), images);
    }

    ImageCache cache(Downloader downloader, CloudImage... images) {
        Map<String, CloudImage> catalog = new java.util.LinkedHashMap<>();
        for (CloudImage i : images) {
            catalog.put(i.name(), i);
        }
        return new ImageCache(home, downloader, new ContentCache(home.resolve("_cache/downloads")), catalog,
                Duration.ofSeconds(30));
    }

    /** The publisher serves the image and a checksum list giving {@code listedHex} for it. */
    void publish(CloudImage img, String listedHex) {
        files.put(img.fileName(), image);
        files.put(img.checksumsFile(), (listedHex + "  " + img.fileName() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A downloader that gives up on a body after 1 s without a byte, {@code attempts} times. */
    static Downloader stallGuarded(int attempts) {
        return Downloader.create(Downloader.Options.defaults().withReadTimeout(Duration.ofSeconds(1))
                .withMaxAttempts(attempts), EventLog.NONE);
    }

    static String hex(String algorithm, byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
    }

    @Test
    void verifiedSha256DownloadLandsInTheCacheOnce() throws Exception {
        files.put("ubuntu-24.04-server-cloudimg-amd64.img", image);
        files.put("SHA256SUMS", ("0000000000000000000000000000000000000000000000000000000000000000 *other.img\n"
                + hex("SHA-256", image) + " *ubuntu-24.04-server-cloudimg-amd64.img\n").getBytes(StandardCharsets.UTF_8));
        ImageCache cache = cache(ubuntu());
        ResolvedImage r = cache.resolve("ubuntu-24.04");
        assertEquals(home.resolve("_cache/images/ubuntu-24.04/disk.qcow2").toAbsolutePath(), r.disk());
        assertArrayEquals(image, Files.readAllBytes(r.disk()));
        assertFalse(r.directKernelBoot());
        assertTrue(Files.readString(home.resolve("_cache/images/ubuntu-24.04/SOURCE")).contains("verified against"));
        cache.resolve("ubuntu-24.04");
        assertEquals(1, imageRequests.get(), "a cached image is not downloaded again");
    }

    @Test
    void verifiedSha512DownloadWithTwoSpaceFormat() throws Exception {
        files.put("debian-12-genericcloud-amd64.qcow2", image);
        files.put("SHA512SUMS", (hex("SHA-512", image) + "  debian-12-genericcloud-amd64.qcow2\n").getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(image, Files.readAllBytes(cache(debian()).resolve("debian-12").disk()));
    }

    @Test
    void checksumMismatchIsASecurityErrorAndLeavesNothing() throws Exception {
        files.put("ubuntu-24.04-server-cloudimg-amd64.img", image);
        byte[] other = "tampered".getBytes(StandardCharsets.UTF_8);
        files.put("SHA256SUMS", (hex("SHA-256", other) + " *ubuntu-24.04-server-cloudimg-amd64.img\n").getBytes(StandardCharsets.UTF_8));
        VmboxException e = assertThrows(VmboxException.class, () -> cache(ubuntu()).resolve("ubuntu-24.04"));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        assertFalse(Files.exists(home.resolve("_cache/images/ubuntu-24.04")));
        try (var s = Files.list(home.resolve("_cache/images"))) {
            assertEquals(0, s.count(), "no partial download remains");
        }
    }

    @Test
    void aStalledCloudImageDownloadEndsWithOneClearTimeoutLineAndNoFileUnderTheFinalName() throws Exception {
        CloudImage img = ubuntu();
        publish(img, hex("SHA-256", image));
        stallingRequests.set(Integer.MAX_VALUE);
        long t0 = System.nanoTime();
        VmboxException e = assertThrows(VmboxException.class, () -> cache(stallGuarded(2), img).resolve("ubuntu-24.04"));
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;

        assertEquals(ExitCode.TIMEOUT, e.exitCode(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().contains(img.imageUri().toString()), "names the URL: " + e.getMessage());
        assertTrue(e.getMessage().contains("no data for 1 s"), "says how long it stalled: " + e.getMessage());
        assertTrue(seconds < 15, "gave up promptly: " + seconds + " s");
        assertEquals(2, imageRequests.get(), "each attempt stalled and was ended");
        assertFalse(Files.exists(home.resolve("_cache/images/ubuntu-24.04")), "no image folder");
        assertFalse(Files.exists(home.resolve("_cache/downloads/sha256/" + hex("SHA-256", image))),
                "nothing under the download's final name");
        try (var s = Files.list(home.resolve("_cache/images"))) {
            assertEquals(0, s.count(), "no staging folder is left");
        }
    }

    @Test
    void anInterruptedImageDownloadResumesWhereItStopped() throws Exception {
        CloudImage img = debian();
        publish(img, hex("SHA-512", image));
        stallingRequests.set(1);
        assertEquals(ExitCode.TIMEOUT, assertThrows(VmboxException.class,
                () -> cache(stallGuarded(1), img).resolve("debian-12")).exitCode());

        ResolvedImage r = cache(stallGuarded(1), img).resolve("debian-12");
        assertArrayEquals(image, Files.readAllBytes(r.disk()));
        assertEquals(List.of("bytes=" + image.length / 2 + "-"), ranges, "the second run asked only for the rest");
        assertTrue(Files.readString(home.resolve("_cache/images/debian-12/SOURCE")).contains("SHA-512 " + hex("SHA-512", image)));
    }

    @Test
    void sha512MismatchIsASecurityErrorAndKeepsNothing() throws Exception {
        CloudImage img = debian();
        publish(img, hex("SHA-512", "tampered".getBytes(StandardCharsets.UTF_8)));
        VmboxException e = assertThrows(VmboxException.class, () -> cache(img).resolve("debian-12"));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().contains("checksum mismatch") && e.getMessage().contains("sha512 " + hex("SHA-512", image)),
                e.getMessage());
        assertFalse(Files.exists(home.resolve("_cache/images/debian-12")));
        ContentCache downloads = new ContentCache(home.resolve("_cache/downloads"));
        Digest claimed = new Digest(Digest.Algorithm.SHA512, hex("SHA-512", "tampered".getBytes(StandardCharsets.UTF_8)));
        assertFalse(Files.exists(downloads.pathFor(claimed)), "nothing under the final name");
        assertFalse(Files.exists(downloads.partialFor(claimed)), "no partial of a file that failed its check");
    }

    @Test
    void aSha256EntryForAnImagePublishedWithSha512IsRefused() throws Exception {
        CloudImage img = debian();
        publish(img, hex("SHA-256", image));
        VmboxException e = assertThrows(VmboxException.class, () -> cache(img).resolve("debian-12"));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().contains("not a SHA-512 digest"), e.getMessage());
        assertEquals(0, imageRequests.get());
    }

    @Test
    void anOversizedChecksumListIsRefusedBeforeTheImage() {
        CloudImage img = ubuntu();
        files.put(img.fileName(), image);
        String line = "0".repeat(64) + " *padding.img\n";
        files.put("SHA256SUMS", line.repeat((int) (Downloader.MAX_CHECKSUM_LIST_BYTES / line.length()) + 2)
                .getBytes(StandardCharsets.UTF_8));
        VmboxException e = assertThrows(VmboxException.class, () -> cache(img).resolve("ubuntu-24.04"));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("checksum list") && e.getMessage().contains("larger than "
                + Downloader.MAX_CHECKSUM_LIST_BYTES + " bytes"), e.getMessage());
        assertEquals(0, imageRequests.get());
    }

    @Test
    void imageMissingFromTheChecksumListIsNeverDownloaded() {
        files.put("ubuntu-24.04-server-cloudimg-amd64.img", image);
        files.put("SHA256SUMS", "abc *other\n".getBytes(StandardCharsets.UTF_8));
        VmboxException e = assertThrows(VmboxException.class, () -> cache(ubuntu()).resolve("ubuntu-24.04"));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertEquals(0, imageRequests.get());
    }

    @Test
    void missingChecksumListIsNotFound() {
        files.put("ubuntu-24.04-server-cloudimg-amd64.img", image);
        VmboxException e = assertThrows(VmboxException.class, () -> cache(ubuntu()).resolve("ubuntu-24.04"));
        assertEquals(ExitCode.NOT_FOUND, e.exitCode());
        assertEquals(0, imageRequests.get());
    }

    @Test
    void unreachablePublisherIsUnavailable() throws Exception {
        CloudImage img = ubuntu();
        server.stop(0);
        VmboxException e = assertThrows(VmboxException.class, () -> cache(img).resolve("ubuntu-24.04"));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.hint().contains("vmbox image build"), e.hint());
    }

    @Test
    void defaultImageNotBuiltSaysHowToBuildIt() {
        VmboxException e = assertThrows(VmboxException.class, () -> cache(ubuntu()).resolve(ImageCache.BUILT_IMAGE));
        assertEquals(ExitCode.NOT_FOUND, e.exitCode());
        assertTrue(e.hint().contains("vmbox image build"), e.hint());
    }

    @Test
    void unknownAndInvalidNamesAreBadInput() {
        VmboxException e = assertThrows(VmboxException.class, () -> cache(ubuntu()).resolve("fedora-40"));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.hint().contains("ubuntu-24.04") && e.hint().contains("vmbox-debian-12"), e.hint());
        assertThrows(VmboxException.class, () -> cache(ubuntu()).resolve("../etc"));
    }

    @Test
    void builtImageFolderResolvesForDirectKernelBoot() throws IOException {
        Path dir = Files.createDirectories(home.resolve("_cache/images/vmbox-debian-12"));
        for (String f : new String[] {"disk.qcow2", "vmlinuz", "initrd.img"}) {
            Files.writeString(dir.resolve(f), f);
        }
        Files.writeString(dir.resolve("cmdline"), "root=LABEL=root ro console=ttyS0 net.ifnames=0\n");
        ResolvedImage r = cache().resolve(ImageCache.BUILT_IMAGE);
        assertTrue(r.directKernelBoot());
        assertEquals("root=LABEL=root ro console=ttyS0 net.ifnames=0", r.cmdline());
        assertEquals(1, cache().list().size());
    }

    @Test
    void recipeShipsInTheJarAndIsTheScriptsOne() throws IOException {
        String recipe = ImageBuilder.recipe();
        assertTrue(recipe.contains("mmdebstrap") && recipe.contains("mkfs.ext4") && recipe.contains("80-vmbox-dhcp.network"));
        assertEquals(Files.readString(Path.of("src/main/resources/dev/vmbox/image/build-image")), recipe);
        assertTrue(Files.readString(Path.of("scripts/build-image")).contains("src/main/resources/dev/vmbox/image/build-image"));
    }
}
