package dev.vmbox.app.create;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.plan.PlanRequest;
import dev.vmbox.app.plan.Planner;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.Downloader;
import dev.vmbox.host.PciHost;
import dev.vmbox.image.ImageCache;
import dev.vmbox.image.ImageManifest;
import dev.vmbox.image.RuntimeImageRecipe;
import dev.vmbox.image.RuntimeImages;
import dev.vmbox.log.EventLog;
import dev.vmbox.model.KvCacheType;
import dev.vmbox.model.ModelCatalog;
import dev.vmbox.model.ModelRef;
import dev.vmbox.model.fetch.ModelInspector;
import dev.vmbox.provider.Provider;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.testing.TinyGguf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which image a create boots: a provider that boots vmbox's images takes the cache's runtime image for the runtime
 * (only the model travels), falls back to installing the runtime with a note saying how to build the image, and
 * refuses a runtime image that cannot serve (another architecture, another runtime, a runtime bundle beside it).
 */
class CreateRequestsTest {
    @TempDir
    Path home;
    Path model;
    ImageCache cache;
    Provider libvirt;

    @BeforeEach
    void setUp() throws IOException {
        model = TinyGguf.write(home.resolve("tiny-llama.gguf"));
        cache = new ImageCache(home, Downloader.create(EventLog.NONE), new ContentCache(home.resolve("_cache/downloads")),
                Map.of(), Duration.ofSeconds(5));
        libvirt = mock(Provider.class);
        when(libvirt.id()).thenReturn("libvirt");
        when(libvirt.bootsRuntimeImages()).thenReturn(true);
        when(libvirt.remoteCapacityCommands()).thenReturn(List.of());
        when(libvirt.remoteCapacity()).thenReturn(Optional.empty());
    }

    CreateRequests.Decided decide(RuntimeKind runtime, String image, boolean bundle, Provider provider) {
        Planner planner = new Planner(new ModelInspector(ModelCatalog.builtIn(), Optional.empty(), Optional.empty(),
                home.resolve("tmp"), ModelInspector.DEFAULT_HEADER_BYTES), mock(PciHost.class), home);
        PlanRequest pr = new PlanRequest(ModelRef.parse(model.toString()), Optional.of(model), Optional.empty(), runtime, 0,
                KvCacheType.parse("f16"), GpuRequest.NONE, OptionalLong.empty(), 2, null, null);
        CreateRequests.Options options = CreateRequests.Options.of("rt1", runtime, image, EgressPolicy.SEALED, null,
                "127.0.0.1", false, false, Duration.ofMinutes(30)).withRuntimeBundle(bundle);
        return new CreateRequests(planner, mock(PciHost.class), new RuntimeImages(cache)).decideWithoutContact(pr, options,
                new CreateRequest.Chosen(provider, "test", Map.of()));
    }

    void runtimeImage(String name, String arch) throws IOException {
        Path folder = Files.createDirectories(cache.folderOf(name));
        for (String f : List.of("disk.qcow2", "vmlinuz", "initrd.img")) {
            Files.writeString(folder.resolve(f), f);
        }
        Files.write(folder.resolve(ImageManifest.FILE), new ImageManifest(ImageManifest.FORMAT, name, "llama.cpp",
                new ImageManifest.PackageVersion("llama.cpp-tools", "1:0.7.0+dfsg-2"), arch, "testing", "forky", "testing",
                RuntimeImageRecipe.DEFAULT_MIRROR, "2026-12-01T00:00:00Z", 1L, "test",
                new RuntimeImageRecipe(dev.vmbox.runtime.RuntimeKind.LLAMA_CPP, "testing").sha256(),
                new ImageManifest.Options(true, RuntimeImageRecipe.DEFAULT_KEYRING),
                new ImageManifest.Release("d", null, "cd".repeat(32), List.of(), List.of()), Map.of(), null, List.of()).toJson());
    }

    @Test
    void llamaCppOnLibvirtBootsTheRuntimeImageWithTheContextOfThePlan() throws IOException {
        runtimeImage("vmbox-llama-cpp-testing", "amd64");
        CreateRequests.Decided d = decide(RuntimeKind.LLAMA_CPP, null, false, libvirt);
        CreateRequest req = d.request();
        assertTrue(req.baked());
        assertEquals("vmbox-llama-cpp-testing", req.spec().image());
        assertEquals(TinyGguf.CONTEXT, req.runtime().contextTokens());
        assertTrue(d.notes().get(0).startsWith("image vmbox-llama-cpp-testing: llama.cpp 1:0.7.0+dfsg-2 from Debian testing"
                + " (forky), amd64 baked in; only the model travels"), d.notes().toString());
        assertEquals(List.of("check", "fetch", "keys", "seed", "provision", "ssh", "install", "unseed", "seal",
                "tunnel", "health"), CreateFlow.steps(req), "no cloud-init: the seed unit was done before sshd started");
    }

    @Test
    void withoutARuntimeImageTheRuntimeIsInstalledAndTheNoteSaysHowToBuildOne() {
        CreateRequests.Decided d = decide(RuntimeKind.LLAMA_CPP, null, false, libvirt);
        assertFalse(d.request().baked());
        assertEquals("vmbox-debian-12", d.request().spec().image());
        assertEquals(CreateFlow.STEPS, CreateFlow.steps(d.request()));
        assertEquals(List.of("no llama.cpp runtime image: the runtime is installed at create on vmbox-debian-12. Build one "
                + "once and creates only upload the model: sudo env VMBOX_HOME=\"${VMBOX_HOME:-$HOME/.vmbox}\" vmbox image "
                + "build --runtime llama.cpp"), d.notes());
    }

    @Test
    void aRuntimeBundleOrAnotherProviderOrAnotherRuntimeKeepsTodaysPath() throws IOException {
        runtimeImage("vmbox-llama-cpp-testing", "amd64");
        assertFalse(decide(RuntimeKind.LLAMA_CPP, null, true, libvirt).request().baked(), "the user brings the runtime");
        Provider lima = mock(Provider.class);
        when(lima.id()).thenReturn("lima");
        when(lima.remoteCapacityCommands()).thenReturn(List.of());
        when(lima.remoteCapacity()).thenReturn(Optional.empty());
        assertFalse(decide(RuntimeKind.LLAMA_CPP, null, false, lima).request().baked(), "Lima boots its own images");
        CreateRequests.Decided ollama = decide(RuntimeKind.OLLAMA, null, false, libvirt);
        assertFalse(ollama.request().baked());
        assertEquals(List.of(), ollama.notes(), "no runtime image exists for Ollama: nothing to say");
        assertNull(ollama.request().runtimeImage());
    }

    @Test
    void aNamedRuntimeImageMustFit() throws IOException {
        runtimeImage("vmbox-llama-cpp-testing", "amd64");
        runtimeImage("vmbox-llama-cpp-arm", "arm64");
        assertTrue(decide(RuntimeKind.LLAMA_CPP, "vmbox-llama-cpp-testing", false, libvirt).request().baked());
        VmboxException arch = assertThrows(VmboxException.class, () -> decide(RuntimeKind.LLAMA_CPP, "vmbox-llama-cpp-arm",
                false, libvirt));
        assertEquals(ExitCode.BAD_INPUT, arch.exitCode());
        assertTrue(arch.getMessage().contains("was built for arm64"), arch.getMessage());
        VmboxException runtime = assertThrows(VmboxException.class, () -> decide(RuntimeKind.OLLAMA,
                "vmbox-llama-cpp-testing", false, libvirt));
        assertTrue(runtime.getMessage().contains("it has no ollama"), runtime.getMessage());
        VmboxException bundle = assertThrows(VmboxException.class, () -> decide(RuntimeKind.LLAMA_CPP,
                "vmbox-llama-cpp-testing", true, libvirt));
        assertTrue(bundle.getMessage().contains("has llama.cpp built in; --runtime-bundle is for an image without it"),
                bundle.getMessage());
    }
}
