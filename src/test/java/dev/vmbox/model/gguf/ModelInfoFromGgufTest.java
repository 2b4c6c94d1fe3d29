package dev.vmbox.model.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.model.KvCacheType;
import dev.vmbox.model.ModelFormat;
import dev.vmbox.model.ModelInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ModelInfo from a small llama-shaped GGUF file written by the test. */
class ModelInfoFromGgufTest {
    @TempDir
    Path tmp;

    private GgufWriter llamaLike(boolean withFileType) {
        GgufWriter w = new GgufWriter()
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("general.name", GgufValueType.STRING, "tiny")
                .kv("llama.block_count", GgufValueType.UINT32, 2)
                .kv("llama.context_length", GgufValueType.UINT32, 4096)
                .kv("llama.embedding_length", GgufValueType.UINT32, 256)
                .kv("llama.attention.head_count", GgufValueType.UINT32, 8)
                .kv("llama.attention.head_count_kv", GgufValueType.UINT32, 2)
                .kv("tokenizer.ggml.tokens", GgufValueType.ARRAY,
                        new GgufWriter.Arr(GgufValueType.STRING, Arrays.asList("<s>", "</s>", "a")));
        if (withFileType) {
            w.kv("general.file_type", GgufValueType.UINT32, 15);
        }
        w.tensor("token_embd.weight", GgmlType.Q6_K, 256, 3);
        for (int i = 0; i < 2; i++) {
            w.tensor("blk." + i + ".attn_q.weight", GgmlType.Q4_K, 256, 256);
            w.tensor("blk." + i + ".attn_k.weight", GgmlType.Q4_K, 256, 64);
            w.tensor("blk." + i + ".attn_norm.weight", GgmlType.F32, 256);
        }
        return w;
    }

    @Test
    void readsShapeQuantAndSize() throws IOException {
        Path f = llamaLike(true).write(tmp.resolve("tiny.gguf"));
        ModelInfo m = ModelInfo.fromGguf(GgufReader.read(f), "tiny.gguf");
        assertEquals("llama", m.architecture());
        assertEquals(2, m.blockCount());
        assertEquals(8, m.headCount());
        assertEquals(2, m.headCountKv());
        assertEquals(256, m.embeddingLength());
        assertEquals(32, m.keyLength());
        assertEquals(4096, m.contextLength());
        assertEquals("Q4_K_M", m.quantization());
        assertEquals(ModelFormat.GGUF, m.format());
        long params = 256 * 3 + 2 * (256 * 256 + 256 * 64 + 256);
        assertEquals(params, m.parameterCount());
        assertEquals(3 * 210 + 2 * (256 * 144 + 64 * 144 + 1024), m.weightsBytes());
        // 2 (K,V) x 2 layers x 2 KV heads x 32 head size x 2 bytes
        assertEquals(2 * 2 * 2 * 32 * 2, m.kvCacheBytesPerToken(KvCacheType.F16));
        assertTrue(m.source().startsWith("gguf:"));
    }

    @Test
    void quantFallsBackToTheDominantTensorType() throws IOException {
        Path f = llamaLike(false).write(tmp.resolve("nofiletype.gguf"));
        assertEquals("Q4_K", ModelInfo.fromGguf(GgufReader.read(f), "x").quantization());
    }

    @Test
    void missingShapeKeysAreRefused() throws IOException {
        Path f = new GgufWriter().kv("general.architecture", GgufValueType.STRING, "llama")
                .tensor("w", GgmlType.F32, 32).write(tmp.resolve("adapter.gguf"));
        VmboxException e = assertThrows(VmboxException.class, () -> ModelInfo.fromGguf(GgufReader.read(f), "x"));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("llama.block_count"), e.getMessage());
        Path g = new GgufWriter().tensor("w", GgmlType.F32, 32).write(tmp.resolve("noarch.gguf"));
        assertTrue(assertThrows(VmboxException.class, () -> ModelInfo.fromGguf(GgufReader.read(g), "x")).getMessage()
                .contains("general.architecture"));
    }

    @Test
    void anInvalidArchitectureIsShownShort() throws IOException {
        // found while writing the fuzz target: a 1 MiB architecture string went whole into the message
        Path f = new GgufWriter().kv("general.architecture", GgufValueType.STRING, "LLAMA\n" + "x".repeat(5000))
                .tensor("w", GgmlType.F32, 32).write(tmp.resolve("arch.gguf"));
        VmboxException e = assertThrows(VmboxException.class, () -> ModelInfo.fromGguf(GgufReader.read(f), "x"));
        assertTrue(e.getMessage().contains("general.architecture 'LLAMA\\u000axxx"), e.getMessage());
        assertTrue(e.getMessage().length() < 300, e.getMessage());
    }
}
