package dev.vmbox.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Download-and-verify against a publisher stand-in: a real HTTP server on 127.0.0.1. */
class ImageDownloadTest {
    @TempDir
    Path home;

    HttpServer server;
    final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final AtomicInteger imageRequests = new AtomicInteger();
    final byte[] image = "QFI\u00fbfake-qcow2-image-content".repeat(5000).getBytes(StandardCharsets.ISO_8859_1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring(1);
            byte[] body = files.get(name);
            if (name.endsWith(".img") || name.endsWith(".qcow2")) {
                imageRequests.incrementAndGet();
            }
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    CloudImage ubuntu() {
        return new CloudImage("ubuntu-24.04", URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"),
                "ubuntu-24.04-server-cloudimg-amd64.img", "SHA256SUMS", "SHA-256");
    }

    CloudImage debian() {
        return new CloudImage("debian-12", URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"),
                "debian-12-genericcloud-amd64.qcow2", "SHA512SUMS", "SHA-512");
    }

    ImageCache cache(CloudImage... images) {
        Map<String, CloudImage> catalog = new java.util.LinkedHashMap<>();
        for (CloudImage i : images) {
            catalog.put(i.name(), i);
        }
        return new ImageCache(home, new ImageDownloader(ImageDownloader.defaultClient(), EventLog.NONE), catalog,
                Duration.ofSeconds(30));
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
    void checksumListParsing() {
        ChecksumList l = ChecksumList.parse("# comment\n"
                + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 *a.img\n"
                + "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855  ./b.qcow2\n"
                + "garbage line\n");
        assertEquals(2, l.size());
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", l.checksumOf("b.qcow2").orElseThrow());
        assertTrue(l.checksumOf("c").isEmpty());
    }

    @Test
    void recipeShipsInTheJarAndIsTheScriptsOne() throws IOException {
        String recipe = ImageBuilder.recipe();
        assertTrue(recipe.contains("mmdebstrap") && recipe.contains("mkfs.ext4") && recipe.contains("80-vmbox-dhcp.network"));
        assertEquals(Files.readString(Path.of("src/main/resources/dev/vmbox/image/build-image")), recipe);
        assertTrue(Files.readString(Path.of("scripts/build-image")).contains("src/main/resources/dev/vmbox/image/build-image"));
    }
}
