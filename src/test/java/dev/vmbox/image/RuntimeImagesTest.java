package dev.vmbox.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.Downloader;
import dev.vmbox.log.EventLog;
import dev.vmbox.runtime.RuntimeKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which runtime image a create uses, and which ones it refuses. */
class RuntimeImagesTest {
    @TempDir
    Path home;

    ImageCache cache() {
        return new ImageCache(home, Downloader.create(EventLog.NONE), new ContentCache(home.resolve("_cache/downloads")),
                Map.of(), Duration.ofSeconds(5));
    }

    /** An image folder (small stand-in files) with a manifest for {@code runtime} on {@code arch}. */
    Path image(String name, String runtime, String arch, String suite, String built) throws IOException {
        return image(name, runtime, arch, suite, built, runtime.equals("llama.cpp")
                ? new RuntimeImageRecipe(RuntimeKind.LLAMA_CPP, suite).sha256() : "ab".repeat(32));
    }

    Path image(String name, String runtime, String arch, String suite, String built, String recipe) throws IOException {
        Path folder = Files.createDirectories(cache().folderOf(name));
        for (String f : List.of("disk.qcow2", "vmlinuz", "initrd.img")) {
            Files.writeString(folder.resolve(f), f);
        }
        ImageManifest m = new ImageManifest(ImageManifest.FORMAT, name, runtime, new ImageManifest.PackageVersion(
                "llama.cpp-tools", "1:0.7.0+dfsg-2"), arch, suite, null, suite, RuntimeImageRecipe.DEFAULT_MIRROR, built, 1L,
                "test", recipe, new ImageManifest.Options(true, RuntimeImageRecipe.DEFAULT_KEYRING),
                new ImageManifest.Release("d", null, "cd".repeat(32), List.of(), List.of()), Map.of(), null, List.of());
        Files.write(folder.resolve(ImageManifest.FILE), m.toJson());
        return folder;
    }

    @Test
    void aCreateTakesTheTestingImageFirstThenTheNewest() throws IOException {
        RuntimeImages images = new RuntimeImages(cache());
        assertEquals(Optional.empty(), images.forRuntime(RuntimeKind.LLAMA_CPP));
        image("vmbox-llama-cpp-unstable", "llama.cpp", "amd64", "unstable", "2026-12-02T00:00:00Z");
        assertEquals("vmbox-llama-cpp-unstable", images.forRuntime(RuntimeKind.LLAMA_CPP).orElseThrow().name());
        image("vmbox-llama-cpp-testing", "llama.cpp", "amd64", "testing", "2026-12-01T00:00:00Z");
        assertEquals("vmbox-llama-cpp-testing", images.forRuntime(RuntimeKind.LLAMA_CPP).orElseThrow().name());
        assertEquals(Optional.empty(), images.forRuntime(RuntimeKind.OLLAMA));
        Files.createDirectories(cache().folderOf("vmbox-debian-12"));
        Files.writeString(cache().folderOf("vmbox-debian-12").resolve("disk.qcow2"), "x");
        assertEquals(2, images.all().size(), "an image without a manifest is not a runtime image");
    }

    @Test
    void anImageForAnotherArchitectureIsNeverTakenAndRefusedWhenNamed() throws IOException {
        image("vmbox-llama-cpp-arm", "llama.cpp", "arm64", "testing", "2026-12-01T00:00:00Z");
        RuntimeImages images = new RuntimeImages(cache());
        assertEquals(Optional.empty(), images.forRuntime(RuntimeKind.LLAMA_CPP));
        VmboxException e = assertThrows(VmboxException.class, () -> RuntimeImages.check(
                images.get("vmbox-llama-cpp-arm").orElseThrow(), RuntimeKind.LLAMA_CPP));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertEquals("the image vmbox-llama-cpp-arm was built for arm64; vmbox's libvirt guests are x86_64 (amd64)",
                e.getMessage());
    }

    @Test
    void anImageForAnotherRuntimeIsRefused() throws IOException {
        image("vmbox-llama-cpp-testing", "llama.cpp", "amd64", "testing", "2026-12-01T00:00:00Z");
        VmboxException e = assertThrows(VmboxException.class, () -> RuntimeImages.check(
                new RuntimeImages(cache()).get("vmbox-llama-cpp-testing").orElseThrow(), RuntimeKind.OLLAMA));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("is the llama.cpp runtime image; it has no ollama"), e.getMessage());
    }

    @Test
    void aDamagedManifestIsAClearError() throws IOException {
        Path folder = image("vmbox-llama-cpp-testing", "llama.cpp", "amd64", "testing", "2026-12-01T00:00:00Z");
        Files.writeString(folder.resolve(ImageManifest.FILE), "{ not json");
        VmboxException e = assertThrows(VmboxException.class, () -> new RuntimeImages(cache()).get("vmbox-llama-cpp-testing"));
        assertTrue(e.getMessage().startsWith("the image manifest " + folder.resolve(ImageManifest.FILE) + " cannot be read"),
                e.getMessage());
    }

    @Test
    void anImageOfAnotherRecipeIsRefusedWhenNamedAndNeverTaken() throws IOException {
        image("vmbox-llama-cpp-testing", "llama.cpp", "amd64", "testing", "2026-12-01T00:00:00Z", "ab".repeat(32));
        RuntimeImages images = new RuntimeImages(cache());
        RuntimeImage old = images.get("vmbox-llama-cpp-testing").orElseThrow();
        assertFalse(RuntimeImages.current(old));
        VmboxException e = assertThrows(VmboxException.class, () -> RuntimeImages.check(old, RuntimeKind.LLAMA_CPP));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("another version of vmbox's recipe"), e.getMessage());
        assertTrue(e.hint().contains("--rebuild"), e.hint());
    }
}
