package dev.vmbox.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.Downloader;
import dev.vmbox.download.Sha256;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.runtime.RuntimeKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime image build's decisions: what each of the recipe's refusals says (with apt's own words, as mmdebstrap
 * printed them here), which mirrors are accepted, which hosts can build, and that an image of the same recipe and
 * options is kept without running anything. The recipe itself runs for real in RuntimeImageBuildIT and the e2e test.
 */
class RuntimeImageBuilderTest {
    static final RuntimeImageRecipe RECIPE = new RuntimeImageRecipe(RuntimeKind.LLAMA_CPP, "testing");

    @TempDir
    Path home;

    ImageCache cache() {
        return new ImageCache(home, Downloader.create(EventLog.NONE), new ContentCache(home.resolve("_cache/downloads")),
                Map.of(), Duration.ofSeconds(5));
    }

    /** A runner that must not be called. */
    static final CommandRunner NOTHING = c -> {
        throw new AssertionError("ran " + c.display());
    };

    RuntimeImageBuilder builder(String arch) {
        return new RuntimeImageBuilder(NOTHING, cache(), Optional.empty(), "test", Clock.systemUTC(), arch);
    }

    static RuntimeImageBuilder.Options options(boolean checkValidUntil) {
        return new RuntimeImageBuilder.Options(RuntimeImageRecipe.DEFAULT_MIRROR, keyring(), checkValidUntil, false);
    }

    /** Where the keyrings the options name are made (removed with the class: deleteOnExit left them in /tmp). */
    @TempDir
    static Path keyrings;

    static Path keyring() {
        try {
            return Files.createTempFile(keyrings, "keyring", ".gpg");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void anExpiredReleaseNamesTheOptionAndKeepsTheSignatureCheck() {
        String stderr = """
                I: running apt-get update...
                Get:1 http://deb.debian.org/debian testing InRelease [151 kB]
                E: Release file for http://deb.debian.org/debian/dists/testing/InRelease is expired (invalid since 25d 5h 25min 29s). Updates for this repository will not be applied.
                E: apt-get update --error-on=any -oAPT::Status-Fd=<$fd> -oDpkg::Use-Pty=false failed
                E: mmdebstrap failed to run
                """;
        VmboxException e = RuntimeImageBuilder.failure(RECIPE, options(true), 6, stderr, null);
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertEquals("apt refused the archive's Release file: Release file for http://deb.debian.org/debian/dists/testing/"
                + "InRelease is expired (invalid since 25d 5h 25min 29s). Updates for this repository will not be applied.",
                e.getMessage());
        assertTrue(e.hint().contains("--allow-expired-release") && e.hint().contains("signature is still checked"), e.hint());
    }

    @Test
    void aSuiteWithoutTheRuntimeNamesTheSuitesThatHaveIt() {
        String stderr = """
                Building dependency tree...
                E: Unable to locate package llama.cpp-tools
                E: Couldn't find any package by glob 'llama.cpp-tools'
                E: setup failed: E: apt-get -o Dir::Bin::dpkg=env install llama.cpp-tools failed
                E: mmdebstrap failed to run
                """;
        VmboxException e = RuntimeImageBuilder.failure(new RuntimeImageRecipe(RuntimeKind.LLAMA_CPP, "bookworm"),
                options(true), 4, stderr, null);
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertEquals("the suite bookworm has no llama.cpp-tools (Unable to locate package llama.cpp-tools)", e.getMessage());
        assertTrue(e.hint().contains("--suite testing or --suite unstable"), e.hint());
    }

    @Test
    void anAlteredPackageIsASecurityError() {
        String stderr = "E: Failed to fetch http://127.0.0.1:4242/debian/pool/main/b/base-files/base-files_14_amd64.deb  "
                + "Hash Sum mismatch\n   Hashes of expected file:\nE: mmdebstrap failed to run\n";
        VmboxException e = RuntimeImageBuilder.failure(RECIPE, new RuntimeImageBuilder.Options("http://127.0.0.1:4242/debian",
                keyring(), false, false), 6, stderr, null);
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().startsWith("apt refused what http://127.0.0.1:4242/debian served: Failed to fetch "), e.getMessage());
        assertTrue(e.getMessage().contains("base-files_14_amd64.deb  Hash Sum mismatch"), e.getMessage());
        assertTrue(e.hint().startsWith("nothing was built"), e.hint());
    }

    @Test
    void aMissingToolIsTheHostsLimit() {
        VmboxException e = RuntimeImageBuilder.failure(RECIPE, options(true), 3, "build-runtime-image: mmdebstrap is missing\n",
                null);
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().endsWith("mmdebstrap is missing"), e.getMessage());
    }

    @Test
    void mirrorsAreHttpUrlsWithoutCredentialsOrShellCharacters() {
        for (String bad : List.of("ftp://deb.debian.org/debian", "http://user:pw@deb.debian.org/debian",
                "http://deb.debian.org/debian?x=1", "http://deb.debian.org/deb ian", "http://deb.debian.org/$(id)", "debian")) {
            VmboxException e = assertThrows(VmboxException.class, () -> new RuntimeImageBuilder.Options(bad, keyring(), true,
                    false), bad);
            assertEquals(ExitCode.BAD_INPUT, e.exitCode(), bad);
        }
        new RuntimeImageBuilder.Options("http://127.0.0.1:8080/debian", keyring(), true, false);
        VmboxException e = assertThrows(VmboxException.class, () -> new RuntimeImageBuilder.Options(
                RuntimeImageRecipe.DEFAULT_MIRROR, home.resolve("no-such-keyring.gpg"), true, false));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.hint().contains("debian-archive-keyring"), e.hint());
    }

    @Test
    void buildsOnlyForAmd64Guests() {
        VmboxException e = assertThrows(VmboxException.class, () -> builder("aarch64").build(RECIPE, options(true),
                Duration.ofMinutes(1), d -> { }));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("this host is aarch64"), e.getMessage());
    }

    @Test
    void anImageOfTheSameRecipeAndOptionsIsKeptWithoutRunningAnything() throws IOException {
        RuntimeImageBuilder.Options opts = options(false);
        Path folder = fakeImage(RECIPE.sha256(), opts);
        RuntimeImageBuilder.Result r = builder("amd64").build(RECIPE, opts, Duration.ofMinutes(1), d -> { });
        assertFalse(r.built());
        assertEquals(folder, r.image().folder());
    }

    @Test
    void anImageOfAnotherRecipeOrWithDamagedFilesIsBuiltAgain() throws IOException {
        RuntimeImageBuilder.Options opts = options(false);
        fakeImage("00".repeat(32), opts);
        assertThrows(AssertionError.class, () -> builder("amd64").build(RECIPE, opts, Duration.ofMinutes(1), d -> { }),
                "another recipe: rebuilt (the runner is called)");
        Path folder = fakeImage(RECIPE.sha256(), opts);
        Files.writeString(folder.resolve("vmlinuz"), "changed");
        assertThrows(AssertionError.class, () -> builder("amd64").build(RECIPE, opts, Duration.ofMinutes(1), d -> { }),
                "a file that differs from the manifest: rebuilt");
        fakeImage(RECIPE.sha256(), opts);
        assertThrows(AssertionError.class, () -> builder("amd64").build(RECIPE, options(true), Duration.ofMinutes(1),
                d -> { }), "other options: rebuilt");
    }

    /** An image folder with a manifest of recipe {@code recipeSha} built with {@code opts}. */
    Path fakeImage(String recipeSha, RuntimeImageBuilder.Options opts) throws IOException {
        Path folder = Files.createDirectories(cache().folderOf(RECIPE.imageName()));
        Map<String, String> files = new LinkedHashMap<>();
        for (String f : List.of("disk.qcow2", "vmlinuz", "initrd.img", "cmdline")) {
            Files.writeString(folder.resolve(f), f);
            files.put(f, Sha256.of(folder.resolve(f)));
        }
        ImageManifest m = new ImageManifest(ImageManifest.FORMAT, RECIPE.imageName(), "llama.cpp",
                new ImageManifest.PackageVersion("llama.cpp-tools", "1:0.7.0+dfsg-2"), "amd64", "testing", "forky", "testing",
                opts.mirror(), "2026-12-01T00:00:00Z", 60L, "test", recipeSha,
                new ImageManifest.Options(opts.checkValidUntil(), opts.keyring().toString()),
                new ImageManifest.Release("date", null, "ab".repeat(32), new ArrayList<>(), new ArrayList<>()), files,
                new ImageManifest.Sizes(1, 1), List.of());
        Files.write(folder.resolve(ImageManifest.FILE), m.toJson());
        return folder;
    }
}
