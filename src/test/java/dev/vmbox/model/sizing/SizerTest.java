package dev.vmbox.model.sizing;

import static dev.vmbox.model.sizing.Sizes.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.model.KvCacheType;
import dev.vmbox.model.ModelCatalog;
import dev.vmbox.model.ModelInfo;
import dev.vmbox.model.ModelRef;
import dev.vmbox.runtime.RuntimeKind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sizing against published figures.
 *
 * <p>Sources of the expected numbers:
 * <ul>
 * <li>File sizes: https://ollama.com/library/llama3.1/tags and https://ollama.com/library/qwen2.5/tags
 * (llama3.1:8b Q4_K_M 4.9 GB, 8b-instruct-q8_0 8.5 GB, 8b-instruct-fp16 16 GB, 70b Q4_K_M 43 GB,
 * 70b-instruct-q8_0 75 GB, 70b-instruct-fp16 141 GB; qwen2.5:0.5b Q4_K_M 398 MB, 0.5b-instruct-q8_0 531 MB,
 * 0.5b-instruct-fp16 994 MB) and bartowski/Meta-Llama-3.1-70B-Instruct-GGUF on Hugging Face (Q4_K_M 42.5 GB).</li>
 * <li>KV cache: https://huggingface.co/blog/llama31, table "KV cache size" at 128k tokens in FP16:
 * 8B 15.62 GB, 70B 39.06 GB (GiB, i.e. 2 x layers x KV heads x head size x 2 bytes x 128 000).</li>
 * <li>Memory: the Ollama README, "You should have at least 8 GB of RAM available to run the 7B models".</li>
 * </ul>
 */
class SizerTest {
    private static final ModelCatalog CATALOG = ModelCatalog.builtIn();
    private static final HostResources BIG_HOST = new HostResources(16, 128 * GIB, 2000 * GIB, List.of());

    static ModelInfo model(String ref) {
        return CATALOG.lookup((ModelRef.Ollama) ModelRef.parse(ref)).orElseThrow(() -> new AssertionError("not in catalogue: " + ref));
    }

    @ParameterizedTest(name = "{0}: {2} bytes published")
    @CsvSource({
            "llama3.1:8b,                    Q4_K_M, 4900000000,   0.02",
            "llama3.1:8b-instruct-q8_0,      Q8_0,   8500000000,   0.03",
            "llama3.1:8b-instruct-fp16,      F16,    16000000000,  0.03",
            "llama3.1:70b,                   Q4_K_M, 43000000000,  0.02",
            "llama3.1:70b-instruct-q4_K_M,   Q4_K_M, 42500000000,  0.03",
            "llama3.1:70b-instruct-q8_0,     Q8_0,   75000000000,  0.03",
            "llama3.1:70b-instruct-fp16,     F16,    141000000000, 0.03",
            "qwen2.5:0.5b,                   Q4_K_M, 398000000,    0.02",
            "qwen2.5:0.5b-instruct-q8_0,     Q8_0,   531000000,    0.03",
            "qwen2.5:0.5b-instruct-fp16,     F16,    994000000,    0.03",
    })
    void weightsMatchPublishedFileSizes(String ref, String quant, long published, double tolerance) {
        ModelInfo m = model(ref);
        assertEquals(quant, m.quantization());
        double err = Math.abs(m.weightsBytes() - published) / (double) published;
        assertTrue(err <= tolerance, ref + ": " + m.weightsBytes() + " vs published " + published + " (" + err + ")");
    }

    @ParameterizedTest(name = "{0} estimated at {1}")
    @CsvSource({
            "llama3.1:8b,  Q4_K_M, 4900000000",
            "llama3.1:70b, Q4_K_M, 42500000000",
            "qwen2.5:0.5b, Q4_K_M, 398000000",
    })
    void estimatesFromParameterCountsAreClose(String ref, String quant, long published) {
        long est = model(ref).withQuantization(quant).weightsBytes();
        double err = Math.abs(est - published) / (double) published;
        assertTrue(err <= 0.08, ref + ": estimated " + est + " vs " + published);
    }

    @Test
    void kvCacheMatchesThePublishedTable() {
        // 2 * n_layers * n_kv_heads * head_dim * bytes_per_elem
        assertEquals(2L * 32 * 8 * 128 * 2, model("llama3.1:8b").kvCacheBytesPerToken(KvCacheType.F16));
        assertEquals(2L * 80 * 8 * 128 * 2, model("llama3.1:70b").kvCacheBytesPerToken(KvCacheType.F16));
        assertEquals(2L * 24 * 2 * 64 * 2, model("qwen2.5:0.5b").kvCacheBytesPerToken(KvCacheType.F16));
        assertEquals(15.62, model("llama3.1:8b").kvCacheBytes(128_000, KvCacheType.F16) / (double) GIB, 0.01);
        assertEquals(39.06, model("llama3.1:70b").kvCacheBytes(128_000, KvCacheType.F16) / (double) GIB, 0.01);
        // q8_0 cache: 34 bytes per 32 elements
        assertEquals(2L * 32 * 8 * 128 * 34 / 32, model("llama3.1:8b").kvCacheBytesPerToken(KvCacheType.Q8_0));
    }

    @Test
    void eightBOnCpuNeedsAboutEightGigabytes() {
        Plan p = Sizer.plan(SizingRequest.of(model("llama3.1:8b"), RuntimeKind.OLLAMA.needs()), BIG_HOST);
        assertNull(p.gpu());
        assertEquals(8192, p.contextLength());
        assertEquals(GIB, p.memory().kvCacheBytes());
        assertTrue(p.memoryBytes() >= 8_000_000_000L && p.memoryBytes() <= 10 * GIB, "memory " + p.memoryBytes());
        assertEquals(0, p.memoryBytes() % GIB);
        assertEquals(15, p.cpus());
        assertTrue(p.diskBytes() >= 4 * GIB + 6 * GIB + 4_900_000_000L);
        assertTrue(p.runtimeMemoryMaxBytes() < p.memoryBytes());
        assertTrue(p.runtimeMemoryMaxBytes() >= p.memory().inGuestRamBytes() - p.memory().osBytes());
        assertTrue(p.reasoning().stream().anyMatch(l -> l.startsWith("KV cache: 8192 tokens x 128 KiB/token = 1.0 GiB")),
                String.join("\n", p.reasoning()));
    }

    @Test
    void smallModelGetsASmallVm() {
        Plan p = Sizer.plan(SizingRequest.of(model("qwen2.5:0.5b"), RuntimeKind.LLAMA_CPP.needs()),
                new HostResources(4, 8 * GIB, 100 * GIB, List.of()));
        assertTrue(p.memoryBytes() <= 3 * GIB, "memory " + p.memoryBytes());
        assertEquals(3, p.cpus());
        assertTrue(p.diskBytes() <= 8 * GIB, "disk " + p.diskBytes());
    }

    @Test
    void seventyBIsRefusedOnA32GigabyteHostWithTheNumbers() {
        HostResources laptop = new HostResources(8, 32 * GIB, 500 * GIB, List.of());
        VmboxException e = assertThrows(VmboxException.class,
                () -> Sizer.plan(SizingRequest.of(model("llama3.1:70b"), RuntimeKind.OLLAMA.needs()), laptop));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("weights 40.0 GiB"), e.getMessage());
        assertTrue(e.getMessage().contains("this host can give 28.8 GiB"), e.getMessage());
        Plan ok = Sizer.plan(SizingRequest.of(model("llama3.1:70b"), RuntimeKind.OLLAMA.needs()),
                new HostResources(32, 64 * GIB, 500 * GIB, List.of()));
        assertTrue(ok.memoryBytes() >= 44 * GIB && ok.memoryBytes() <= 50 * GIB, "memory " + ok.memoryBytes());
    }

    @Test
    void wholeModelOnALargeEnoughGpu() {
        HostResources host = new HostResources(16, 64 * GIB, 500 * GIB,
                List.of(new Gpu("small", "0000:02:00.0", 8 * GIB), new Gpu("RTX 4090", "0000:01:00.0", 24 * GIB)));
        Plan p = Sizer.plan(SizingRequest.of(model("llama3.1:8b"), RuntimeKind.OLLAMA.needs()), host);
        assertNotNull(p.gpu());
        assertEquals("RTX 4090", p.gpu().name());
        assertTrue(p.gpu().full());
        assertEquals(32, p.gpu().layersOffloaded());
        assertEquals(4, p.cpus());
        assertTrue(p.memoryBytes() <= 3 * GIB, "weights live in VRAM: " + p.memoryBytes());
    }

    @Test
    void partialOffloadWhenTheGpuIsTooSmall() {
        HostResources host = new HostResources(16, 64 * GIB, 500 * GIB, List.of(new Gpu("RTX 4090", "", 24 * GIB)));
        Plan p = Sizer.plan(SizingRequest.of(model("llama3.1:70b"), RuntimeKind.LLAMA_CPP.needs()), host);
        assertFalse(p.gpu().full());
        assertTrue(p.gpu().layersOffloaded() > 30 && p.gpu().layersOffloaded() < 50, "layers " + p.gpu().layersOffloaded());
        assertTrue(p.gpu().vramNeededBytes() <= 24 * GIB);
        Plan cpu = Sizer.plan(SizingRequest.of(model("llama3.1:70b"), RuntimeKind.LLAMA_CPP.needs()).withGpuMode(GpuMode.OFF), host);
        assertTrue(p.memoryBytes() < cpu.memoryBytes() - 15 * GIB);
    }

    @Test
    void vllmNeedsAGpuThatHoldsTheWholeModel() {
        HostResources cpuOnly = new HostResources(16, 64 * GIB, 500 * GIB, List.of());
        VmboxException e = assertThrows(VmboxException.class,
                () -> Sizer.plan(SizingRequest.of(model("llama3.1:8b-instruct-fp16"), RuntimeKind.VLLM.needs()), cpuOnly));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        HostResources gpu = new HostResources(16, 64 * GIB, 500 * GIB, List.of(new Gpu("L4", "", 24 * GIB)));
        Plan p = Sizer.plan(SizingRequest.of(model("llama3.1:8b-instruct-fp16"), RuntimeKind.VLLM.needs()), gpu);
        assertTrue(p.gpu().full());
        VmboxException big = assertThrows(VmboxException.class,
                () -> Sizer.plan(SizingRequest.of(model("llama3.1:70b-instruct-fp16"), RuntimeKind.VLLM.needs()), gpu));
        assertTrue(big.getMessage().contains("does not fit the GPU"), big.getMessage());
    }

    @Test
    void overridesAreHonouredOrRefusedWithTheNumbers() {
        SizingRequest base = SizingRequest.of(model("llama3.1:8b"), RuntimeKind.OLLAMA.needs());
        Plan p = Sizer.plan(base.withOverrides(4, 12 * GIB, 60 * GIB), BIG_HOST);
        assertEquals(4, p.cpus());
        assertEquals(12 * GIB, p.memoryBytes());
        assertEquals(60 * GIB, p.diskBytes());
        VmboxException mem = assertThrows(VmboxException.class, () -> Sizer.plan(base.withOverrides(null, 4 * GIB, null), BIG_HOST));
        assertEquals(ExitCode.BAD_INPUT, mem.exitCode());
        assertTrue(mem.getMessage().contains("--memory 4.0 GiB is less than"), mem.getMessage());
        assertTrue(mem.getMessage().contains("KV cache 1.0 GiB"), mem.getMessage());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class,
                () -> Sizer.plan(base.withOverrides(17, null, null), BIG_HOST)).exitCode());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class,
                () -> Sizer.plan(base.withOverrides(null, null, 5 * GIB), BIG_HOST)).exitCode());
        assertEquals(ExitCode.UNAVAILABLE, assertThrows(VmboxException.class,
                () -> Sizer.plan(base.withOverrides(null, 127 * GIB, null), BIG_HOST)).exitCode());
    }

    @Test
    void contextChoices() {
        SizingRequest base = SizingRequest.of(model("qwen2.5:0.5b"), RuntimeKind.OLLAMA.needs());
        assertEquals(32768, Sizer.plan(base.withContext(32768), BIG_HOST).contextLength());
        VmboxException e = assertThrows(VmboxException.class, () -> Sizer.plan(base.withContext(65536), BIG_HOST));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("32768"));
        Plan q8 = Sizer.plan(base.withContext(32768).withKvCache(KvCacheType.Q8_0), BIG_HOST);
        assertEquals("q8_0", q8.kvCacheType());
        assertTrue(q8.memory().kvCacheBytes() < Sizer.plan(base.withContext(32768), BIG_HOST).memory().kvCacheBytes());
    }

    @Test
    void hostWithoutDiskForTheModelIsRefused() {
        HostResources tiny = new HostResources(8, 64 * GIB, 10 * GIB, List.of());
        VmboxException e = assertThrows(VmboxException.class,
                () -> Sizer.plan(SizingRequest.of(model("llama3.1:8b"), RuntimeKind.OLLAMA.needs()), tiny));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("10.0 GiB free"), e.getMessage());
    }

    @Test
    void aRemotePoolHoldsOnlyTheVmDiskAndTheCacheStaysHere() {
        SizingRequest r = SizingRequest.of(model("llama3.1:8b"), RuntimeKind.OLLAMA.needs());
        long disk = Sizer.plan(r, BIG_HOST).diskBytes();
        // the pool fits the disk exactly, this machine fits the download exactly: neither is counted twice
        Plan p = Sizer.plan(r, new HostResources(16, 128 * GIB, disk, List.of(), java.util.OptionalLong.of(5 * GIB)));
        assertTrue(p.reasoning().stream().anyMatch(l -> l.contains("free where it runs") && l.contains("free here")),
                p.reasoning().toString());
        VmboxException pool = assertThrows(VmboxException.class, () -> Sizer.plan(r,
                new HostResources(16, 128 * GIB, disk - GIB, List.of(), java.util.OptionalLong.of(500 * GIB))));
        assertTrue(pool.getMessage().contains("storage pool has") && pool.hint().contains("pool 'vmbox'"), pool.getMessage());
        Plan noPool = Sizer.plan(r, new HostResources(16, 128 * GIB, HostResources.UNKNOWN, List.of(),
                java.util.OptionalLong.of(500 * GIB)));
        assertTrue(noPool.reasoning().stream().anyMatch(l -> l.contains("free space unknown until its storage pool is made")),
                noPool.reasoning().toString());
        VmboxException cache = assertThrows(VmboxException.class, () -> Sizer.plan(r,
                new HostResources(16, 128 * GIB, 500 * GIB, List.of(), java.util.OptionalLong.of(GIB))));
        assertTrue(cache.getMessage().contains("download cache needs") && cache.getMessage().contains("on this machine"),
                cache.getMessage());
    }

    @Test
    void gpuRequiredWithoutAGpuIsRefused() {
        assertEquals(ExitCode.UNAVAILABLE, assertThrows(VmboxException.class, () -> Sizer.plan(
                SizingRequest.of(model("llama3.1:8b"), RuntimeKind.OLLAMA.needs()).withGpuMode(GpuMode.REQUIRED), BIG_HOST)).exitCode());
    }

    @Test
    void planSerialisesToJson() throws Exception {
        Plan p = Sizer.plan(SizingRequest.of(model("llama3.1:8b"), RuntimeKind.OLLAMA.needs()), BIG_HOST);
        JsonNode json = new ObjectMapper().valueToTree(p);
        assertEquals(p.memoryBytes(), json.get("memoryBytes").asLong());
        assertEquals("ollama", json.get("runtime").asText());
        assertEquals(GIB, json.get("memory").get("kvCacheBytes").asLong());
        assertTrue(json.get("reasoning").isArray());
        assertTrue(json.get("gpu").isNull());
    }

    @Test
    void catalogueTagsAndUnknowns() {
        assertEquals(model("llama3.1"), model("llama3.1:latest"));
        assertEquals("Q4_K_M", model("llama3.1:8b").quantization());
        assertEquals("catalogue", model("llama3.1:8b").source());
        assertEquals("estimate", model("llama3.1:8b-instruct-q8_0").source());
        assertTrue(CATALOG.lookup((ModelRef.Ollama) ModelRef.parse("nosuchmodel:1b")).isEmpty());
        assertTrue(CATALOG.lookup((ModelRef.Ollama) ModelRef.parse("user/llama3.1:8b")).isEmpty());
        for (ModelCatalog.Entry e : CATALOG.entries()) {
            assertEquals(0, e.embedding() % e.heads(), e.name());
            assertTrue(e.sizeBytes() > e.parameters() / 8 * 3, e.name() + " size plausible");
        }
    }
}
