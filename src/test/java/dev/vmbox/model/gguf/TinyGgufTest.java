package dev.vmbox.model.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.model.ModelInfo;
import dev.vmbox.testing.TinyGguf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vmbox's own GGUF reader reads the tiny test model back, and the model is the same bytes every time. */
class TinyGgufTest {
    /** The file llama-server 0.7.0 (Debian testing) was checked with: /health, /completion, /v1/chat/completions. */
    static final String PINNED_SHA256 = "0c4c496ec905216e3e6ba75e6497098b5616d7521cdcba4d0a4b68ffbaa53dd5";

    @TempDir
    Path tmp;

    /** Keeps every array element (the default keeps the first 64) so the tokenizer can be compared whole. */
    private static final GgufLimits WHOLE = new GgufLimits(64L << 20, 1 << 20, 4L << 20, 65_536, 65_536, 4, 4096, 100_000);

    @Test
    void readsBackShapeAndSize() throws IOException {
        Path f = TinyGguf.write(tmp.resolve("tiny.gguf"));
        GgufFile g = GgufReader.read(f);
        assertEquals(3, g.version());
        assertEquals(Files.size(f), g.fileSize());
        assertTrue(g.fileSize() < 1_000_000, "under 1 MB: " + g.fileSize());
        assertEquals(0, g.dataOffset() % 32);
        // token_embd + output_norm + output + 9 per layer
        assertEquals(3 + 9 * TinyGguf.LAYERS, g.tensors().size());
        assertTrue(g.tensors().stream().allMatch(t -> t.type() == GgmlType.F32));
        // header, then the tensors back to back: nothing after the last one
        assertEquals(g.fileSize(), g.dataOffset() + g.tensorBytes());

        ModelInfo m = ModelInfo.fromGguf(g, "tiny");
        assertEquals("llama", m.architecture());
        assertEquals(TinyGguf.LAYERS, m.blockCount());
        assertEquals(TinyGguf.HEADS, m.headCount());
        assertEquals(TinyGguf.HEADS, m.headCountKv());
        assertEquals(TinyGguf.EMBEDDING, m.embeddingLength());
        assertEquals(TinyGguf.EMBEDDING / TinyGguf.HEADS, m.keyLength());
        assertEquals(TinyGguf.CONTEXT, m.contextLength());
        assertEquals("F32", m.quantization());
        int v = TinyGguf.vocabularySize();
        int e = TinyGguf.EMBEDDING;
        int ff = TinyGguf.FEED_FORWARD;
        long perLayer = 2L * e + 4L * e * e + 3L * e * ff;
        long params = 2L * e * v + e + TinyGguf.LAYERS * perLayer;
        assertEquals(params, m.parameterCount());
        assertEquals(params, TinyGguf.parameterCount());
        assertEquals(4 * params, m.weightsBytes());
        assertEquals(Long.valueOf(TinyGguf.FEED_FORWARD), g.integer("llama.feed_forward_length").orElseThrow());
        assertEquals(Long.valueOf(e / TinyGguf.HEADS), g.integer("llama.rope.dimension_count").orElseThrow());
    }

    @Test
    void readsBackTheTokenizer() throws IOException {
        GgufFile g = new GgufReader(WHOLE).readFile(TinyGguf.write(tmp.resolve("tiny.gguf")));
        assertEquals("llama", g.string("tokenizer.ggml.model").orElseThrow());
        GgufArray tokens = g.array("tokenizer.ggml.tokens").orElseThrow();
        assertEquals(GgufValueType.STRING, tokens.elementType());
        assertTrue(tokens.complete());
        assertEquals(TinyGguf.tokens(), tokens.head());
        assertEquals(List.of("<unk>", "<s>", "</s>", "<0x00>"), tokens.head().subList(0, 4));
        assertEquals("<0xFF>", tokens.head().get(TinyGguf.FIRST_BYTE + 255));
        assertTrue(tokens.head().contains("\u2581"));
        assertTrue(tokens.head().contains("\u2581hello"));
        assertTrue(tokens.head().contains("~"));

        GgufArray types = g.array("tokenizer.ggml.token_type").orElseThrow();
        assertEquals(GgufValueType.INT32, types.elementType());
        assertEquals(TinyGguf.tokenTypes().stream().map(Integer::longValue).collect(Collectors.toList()), types.head());
        assertEquals(256, types.head().stream().filter(t -> (Long) t == 6L).count());

        GgufArray scores = g.array("tokenizer.ggml.scores").orElseThrow();
        assertEquals(GgufValueType.FLOAT32, scores.elementType());
        assertEquals(tokens.length(), scores.length());

        assertEquals(Long.valueOf(TinyGguf.BOS), g.integer("tokenizer.ggml.bos_token_id").orElseThrow());
        assertEquals(Long.valueOf(TinyGguf.EOS), g.integer("tokenizer.ggml.eos_token_id").orElseThrow());
        assertEquals(Long.valueOf(TinyGguf.UNK), g.integer("tokenizer.ggml.unknown_token_id").orElseThrow());
        assertEquals(Long.valueOf(TinyGguf.vocabularySize()), g.integer("llama.vocab_size").orElseThrow());
        assertTrue(g.string("tokenizer.chat_template").orElseThrow().contains("<|im_start|>"));
    }

    @Test
    void theOutputRowsOfEveryNonPrintableTokenAreZero() throws IOException {
        Path f = TinyGguf.write(tmp.resolve("tiny.gguf"));
        GgufFile g = GgufReader.read(f);
        GgufTensorInfo out = g.tensors().stream().filter(t -> t.name().equals("output.weight")).findFirst().orElseThrow();
        assertArrayEquals(new long[] {TinyGguf.EMBEDDING, TinyGguf.vocabularySize()}, out.dims());
        byte[] all = Files.readAllBytes(f);
        int rowBytes = TinyGguf.EMBEDDING * 4;
        for (int id = 0; id < TinyGguf.vocabularySize(); id++) {
            int at = Math.toIntExact(g.dataOffset() + out.offset()) + id * rowBytes;
            boolean zero = true;
            for (int i = at; i < at + rowBytes; i++) {
                zero &= all[i] == 0;
            }
            assertEquals(TinyGguf.tokenTypes().get(id) != 1, zero, "row of token " + id + " " + TinyGguf.tokens().get(id));
        }
    }

    @Test
    void twoWritesAreByteIdentical() throws IOException, NoSuchAlgorithmException {
        Path a = TinyGguf.write(tmp.resolve("a.gguf"));
        Path b = TinyGguf.write(tmp.resolve("b.gguf"));
        byte[] x = Files.readAllBytes(a);
        assertArrayEquals(x, Files.readAllBytes(b));
        assertArrayEquals(x, TinyGguf.bytes());
        // Pinned: a change to the generator, the shapes or the tokenizer shows up here, on purpose.
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(x));
        assertEquals(PINNED_SHA256, sha);
    }
}
