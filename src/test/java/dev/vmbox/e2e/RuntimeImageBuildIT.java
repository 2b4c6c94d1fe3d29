package dev.vmbox.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.vmbox.testing.E2ePrerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmbox image build --runtime llama.cpp} refuses what it must, through the packaged CLI, with real mmdebstrap and
 * apt against Debian's archive (deb.debian.org, as configured here), each with one clear error and nothing left in
 * the image cache: a suite without llama.cpp, a package that fails its checksum (served by a mirror on 127.0.0.1 this
 * test makes: it passes Debian's signed files through untouched and changes one byte of one .deb), and a Release file
 * past its Valid-Until without {@code --allow-expired-release}. Root, mmdebstrap and the archive are needed (CI=true
 * fails without them).
 */
@Tag("e2e")
class RuntimeImageBuildIT {
    private static final String ARCHIVE = "http://deb.debian.org/debian";
    private static final Duration BUILD = Duration.ofMinutes(15);

    @TempDir
    Path tmp;
    private Path home;
    private Map<String, String> env;

    @BeforeEach
    void setUp() {
        Path jar = E2ePrerequisites.repo().resolve("target/vmbox.jar");
        if (!Files.isRegularFile(jar)) {
            E2ePrerequisites.missing("RuntimeImageBuildIT", jar + " is missing (mvn package makes it)");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            E2ePrerequisites.missing("RuntimeImageBuildIT", "vmbox image build runs mmdebstrap as root");
        }
        for (String tool : List.of("/usr/bin/mmdebstrap", "/usr/bin/gpgv", "/usr/share/keyrings/debian-archive-keyring.gpg")) {
            if (!Files.exists(Path.of(tool))) {
                E2ePrerequisites.missing("RuntimeImageBuildIT", tool + " is missing (apt-get install mmdebstrap gpgv "
                        + "debian-archive-keyring)");
            }
        }
        home = tmp.resolve("home");
        env = new HashMap<>(System.getenv());
        env.put("VMBOX_HOME", home.toString());
        env.put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
    }

    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Run build(String... options) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(E2ePrerequisites.repo().resolve("scripts/vmbox").toString(), "image",
                "build", "--runtime", "llama.cpp"));
        argv.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().clear();
        pb.environment().putAll(env);
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                Path.of("/dev/null").toFile()));
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(BUILD.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException("vmbox image build did not finish within " + BUILD);
        }
        Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        System.err.printf(Locale.ROOT, "$ vmbox %s (%.0f s)%n%s%n", String.join(" ", argv.subList(1, argv.size())),
                (System.nanoTime() - t0) / 1e9, r);
        return r;
    }

    /** No image and no build folder in the cache: only a lock file may stay. */
    private void assertNothingLeft() throws IOException {
        Path images = home.resolve("_cache/images");
        if (!Files.isDirectory(images)) {
            return;
        }
        try (Stream<Path> s = Files.list(images)) {
            List<String> left = s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".lock")).toList();
            assertEquals(List.of(), left, "the failed build left something in " + images);
        }
    }

    @Test
    void aSuiteWithoutLlamaCppIsRefused() throws Exception {
        Run r = build("--suite", "bookworm", "--allow-expired-release");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("the suite bookworm has no llama.cpp-tools"), r.toString());
        assertTrue(r.err().contains("Unable to locate package llama.cpp-tools"), "apt's own words: " + r);
        assertTrue(r.err().contains("--suite testing"), "the hint names the suites that have it: " + r);
        assertNothingLeft();
    }

    @Test
    void aPackageThatFailsItsChecksumIsRefused() throws Exception {
        AtomicInteger altered = new AtomicInteger();
        HttpServer mirror = corruptingMirror("base-files_", altered);
        try {
            String url = "http://127.0.0.1:" + mirror.getAddress().getPort() + "/debian";
            Run r = build("--mirror", url, "--allow-expired-release");
            assertTrue(altered.get() > 0, "the mirror served the altered package");
            assertEquals(6, r.exit(), r.toString());
            assertTrue(r.err().contains("apt refused what " + url + " served"), r.toString());
            assertTrue(r.err().contains("Hash Sum mismatch") || r.err().contains("unexpected size"), "apt's words: " + r);
            assertTrue(r.err().contains("base-files"), "the package is named: " + r);
            assertNothingLeft();
        } finally {
            mirror.stop(0);
        }
    }

    /**
     * Debian's archive as reached from this project's machines serves a snapshot whose Release file is past its
     * Valid-Until, which is what this case needs; where the archive is current there is nothing expired to refuse, and
     * the test says so (the refusal's wording is then covered by RuntimeImageBuilderTest with apt's message).
     */
    @Test
    void anExpiredReleaseIsRefusedWithoutTheOption() throws Exception {
        ZonedDateTime validUntil = validUntil("testing");
        if (validUntil == null || validUntil.isAfter(ZonedDateTime.now())) {
            System.err.println("\n*** RuntimeImageBuildIT: testing's Release is valid until " + validUntil
                    + ": nothing expired to refuse here ***\n");
            return;
        }
        Run r = build("--suite", "testing");
        assertEquals(6, r.exit(), r.toString());
        assertTrue(r.err().contains("apt refused the archive's Release file"), r.toString());
        assertTrue(r.err().contains("is expired"), "apt's words: " + r);
        assertTrue(r.err().contains("--allow-expired-release"), "the hint names the option: " + r);
        assertNothingLeft();
    }

    private static ZonedDateTime validUntil(String suite) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build().send(HttpRequest
                .newBuilder(URI.create(ARCHIVE + "/dists/" + suite + "/InRelease")).timeout(Duration.ofMinutes(1)).build(),
                HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith("Valid-Until: ")) {
                // apt's format: "Fri, 06 Nov 2026 08:08:01 UTC"
                return ZonedDateTime.parse(line.substring(13).strip(), DateTimeFormatter.ofPattern(
                        "EEE, dd MMM yyyy HH:mm:ss zzz", Locale.ROOT));
            }
        }
        return null;
    }

    /**
     * A mirror on 127.0.0.1 that passes every file of Debian's archive through untouched, except the .deb files whose
     * names start with {@code victim}: one byte in the middle of each is changed (counted in {@code altered}).
     */
    private static HttpServer corruptingMirror(String victim, AtomicInteger altered) throws IOException {
        HttpClient upstream = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/debian/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getRawPath().substring("/debian".length());
                if (!"GET".equals(exchange.getRequestMethod()) || path.contains("..")) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                HttpResponse<InputStream> r = upstream.send(HttpRequest.newBuilder(URI.create(ARCHIVE + path))
                        .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = r.body()) {
                    if (r.statusCode() != 200) {
                        exchange.sendResponseHeaders(r.statusCode(), -1);
                        return;
                    }
                    String file = path.substring(path.lastIndexOf('/') + 1);
                    if (file.startsWith(victim) && file.endsWith(".deb")) {
                        byte[] deb = in.readAllBytes();
                        deb[deb.length / 2] ^= 0x01;
                        altered.incrementAndGet();
                        exchange.sendResponseHeaders(200, deb.length);
                        exchange.getResponseBody().write(deb);
                        return;
                    }
                    exchange.sendResponseHeaders(200, r.headers().firstValueAsLong("Content-Length").orElse(0));
                    try (OutputStream out = exchange.getResponseBody()) {
                        in.transferTo(out);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        return server;
    }
}
