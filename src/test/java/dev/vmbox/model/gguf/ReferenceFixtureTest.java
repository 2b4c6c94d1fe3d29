package dev.vmbox.model.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.model.KvCacheType;
import dev.vmbox.model.ModelInfo;
import dev.vmbox.model.fetch.ModelInspector;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A GGUF file written by llama.cpp's own Python writer (gguf-py 0.19.0; see
 * src/test/resources/fixtures/gguf/make_fixture.py). Expected values are what gguf-py's GGUFReader
 * reports for the same file: 10 tensors, 29 120 elements, 44 816 tensor bytes, data offset 1472.
 */
class ReferenceFixtureTest {
    private static Path fixture() throws URISyntaxException {
        return Path.of(ReferenceFixtureTest.class.getResource("/fixtures/gguf/tiny-llama.gguf").toURI());
    }

    @Test
    void readsWhatTheReferenceWriterWrote() throws URISyntaxException {
        GgufFile g = GgufReader.read(fixture());
        assertEquals(3, g.version());
        assertEquals(32, g.alignment());
        assertEquals(1472, g.dataOffset());
        assertEquals(10, g.tensors().size());
        assertEquals(29_120, g.parameterCount());
        assertEquals(44_816, g.tensorBytes());
        assertEquals("tiny-llama-fixture", g.string("general.name").orElseThrow());
        assertEquals(GgufValueType.FLOAT32, g.types().get("llama.rope.freq_base"));
        assertEquals(500000.0, g.number("llama.rope.freq_base").orElseThrow());
        assertEquals(List.of("<s>", "</s>", "hello", "wörld"), g.array("tokenizer.ggml.tokens").orElseThrow().head());
        assertEquals(List.of(0.0, -1.5, 2.25, 3.0), g.array("tokenizer.ggml.scores").orElseThrow().head());
        assertEquals(true, g.metadata().get("fixture.flag"));
        assertEquals(-7L, g.metadata().get("fixture.i8"));
        assertEquals(65000L, g.metadata().get("fixture.u16"));
        assertEquals(-9_000_000_000L, g.metadata().get("fixture.i64"));
        assertEquals(0.125, g.metadata().get("fixture.f64"));
        GgufArray nested = g.array("fixture.nested").orElseThrow();
        assertEquals(GgufValueType.ARRAY, nested.elementType());
        assertEquals(List.of(1L, 2L), ((GgufArray) nested.head().get(0)).head());
        GgufTensorInfo k = g.tensors().get(2);
        assertEquals("blk.0.attn_k.weight", k.name());
        assertEquals(GgmlType.Q4_0, k.type());
        assertEquals(1152, k.bytes());
        assertTrue(java.util.Arrays.equals(new long[] {64, 32}, k.dims()));
    }

    @Test
    void sizesTheReferenceFile() throws URISyntaxException {
        ModelInfo m = ModelInspector.inspectFile(fixture());
        assertEquals("llama", m.architecture());
        assertEquals("Q8_0", m.quantization());
        assertEquals(2, m.blockCount());
        assertEquals(2048, m.contextLength());
        assertEquals(16, m.keyLength());
        assertEquals(2L * 2 * 2 * 16 * 2, m.kvCacheBytesPerToken(KvCacheType.F16));
    }
}
