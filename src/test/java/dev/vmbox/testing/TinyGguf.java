package dev.vmbox.testing;

import dev.vmbox.model.gguf.GgmlType;
import dev.vmbox.model.gguf.GgufValueType;
import dev.vmbox.model.gguf.GgufWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A tiny, deterministic llama-architecture GGUF model with random weights that the real
 * {@code llama-server} (Debian's llama.cpp 0.7.0) loads and serves: real parsing, real compute,
 * meaningless text. For tests that need a real model server without downloading a model.
 *
 * <p>Shape: {@value #LAYERS} layers, n_embd {@value #EMBEDDING}, {@value #HEADS} heads (and as many KV
 * heads), n_ff {@value #FEED_FORWARD}, context {@value #CONTEXT}, every tensor F32; about 129k
 * parameters, about 520 KB. Tokenizer: SentencePiece style ({@code tokenizer.ggml.model = "llama"}) with
 * {@code <unk>}, {@code <s>} (BOS), {@code </s>} (EOS), the 256 byte tokens {@code <0x00>}..{@code <0xFF>}
 * (type 6), {@code ▁} and the printable ASCII characters, and a few {@code ▁word} pieces; a ChatML
 * {@code tokenizer.chat_template} so {@code /v1/chat/completions} works.
 *
 * <p>The weights come from a fixed-seed SplitMix64 generator (its arithmetic is fixed, unlike a library
 * generator's), so the file is byte-identical on every run and every JVM. The output rows of every token
 * that is not printable text (unknown, BOS, EOS, the byte tokens) are zero: their logit is always 0 while
 * the ~100 printable tokens have random logits of a few units, so greedy sampling never picks EOS and a
 * request always returns exactly {@code n_predict} tokens ({@code finish_reason: "length"}). Assert
 * structure and counts, never the text.
 */
public final class TinyGguf {
    public static final String ARCHITECTURE = "llama";
    public static final String NAME = "vmbox-tiny";
    public static final int LAYERS = 2;
    public static final int EMBEDDING = 64;
    public static final int HEADS = 4;
    public static final int FEED_FORWARD = 128;
    public static final int CONTEXT = 2048;
    public static final long SEED = 0x766d626f78L; // "vmbox"

    public static final int UNK = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;
    /** The id of the byte token {@code <0x00>}; byte b is {@code FIRST_BYTE + b}. */
    public static final int FIRST_BYTE = 3;

    /** The ChatML template llama-server applies for {@code /v1/chat/completions}. */
    public static final String CHAT_TEMPLATE = "{% for message in messages %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    static final String SPACE = "\u2581"; // SentencePiece's word boundary, "▁"
    private static final List<String> WORDS = List.of("the", "a", "of", "and", "to", "in", "hello", "world",
            "model", "vmbox");

    // llama.cpp's token types (llama_token_type)
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int BYTE = 6;

    private static final List<String> TOKENS;
    private static final List<Integer> TYPES;

    static {
        List<String> tokens = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        tokens.add("<unk>");
        types.add(UNKNOWN);
        tokens.add("<s>");
        types.add(CONTROL);
        tokens.add("</s>");
        types.add(CONTROL);
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(BYTE);
        }
        tokens.add(SPACE);
        types.add(NORMAL);
        for (char c = '!'; c <= '~'; c++) {
            tokens.add(String.valueOf(c));
            types.add(NORMAL);
        }
        for (String w : WORDS) {
            tokens.add(SPACE + w);
            types.add(NORMAL);
        }
        TOKENS = Collections.unmodifiableList(tokens);
        TYPES = Collections.unmodifiableList(types);
    }

    private TinyGguf() {
    }

    /** The vocabulary, in id order. */
    public static List<String> tokens() {
        return TOKENS;
    }

    /** The token types (llama_token_type), in id order. */
    public static List<Integer> tokenTypes() {
        return TYPES;
    }

    public static int vocabularySize() {
        return TOKENS.size();
    }

    /** Elements of every tensor together: what a GGUF reader reports as the parameter count. */
    public static long parameterCount() {
        long n = 0;
        for (Tensor t : tensors()) {
            n += t.elements();
        }
        return n;
    }

    /** Writes the model to {@code file} (replacing it) and returns the file. */
    public static Path write(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }

    /** The whole file. */
    public static byte[] bytes() {
        List<Tensor> tensors = tensors();
        GgufWriter header = metadata();
        for (Tensor t : tensors) {
            header.tensor(t.name(), GgmlType.F32, t.dims());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(600_000);
        out.writeBytes(header.header());
        pad(out);
        SplitMix64 random = new SplitMix64(SEED);
        for (Tensor t : tensors) {
            ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(t.elements() * 4)).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < t.elements(); i++) {
                data.putFloat(t.value(i, random));
            }
            out.writeBytes(data.array());
            pad(out);
        }
        return out.toByteArray();
    }

    private static GgufWriter metadata() {
        List<Float> scores = new ArrayList<>();
        for (int id = 0; id < TOKENS.size(); id++) {
            // SentencePiece merges the highest-scoring pair first; longer pieces come later in the list.
            scores.add(TYPES.get(id) == NORMAL ? (float) -id : 0f);
        }
        return new GgufWriter()
                .kv("general.architecture", GgufValueType.STRING, ARCHITECTURE)
                .kv("general.name", GgufValueType.STRING, NAME)
                .kv("general.file_type", GgufValueType.UINT32, 0) // LLAMA_FTYPE_ALL_F32
                .kv("general.alignment", GgufValueType.UINT32, 32)
                .kv("llama.context_length", GgufValueType.UINT32, CONTEXT)
                .kv("llama.embedding_length", GgufValueType.UINT32, EMBEDDING)
                .kv("llama.block_count", GgufValueType.UINT32, LAYERS)
                .kv("llama.feed_forward_length", GgufValueType.UINT32, FEED_FORWARD)
                .kv("llama.attention.head_count", GgufValueType.UINT32, HEADS)
                .kv("llama.attention.head_count_kv", GgufValueType.UINT32, HEADS)
                .kv("llama.rope.dimension_count", GgufValueType.UINT32, EMBEDDING / HEADS)
                .kv("llama.rope.freq_base", GgufValueType.FLOAT32, 10000f)
                .kv("llama.attention.layer_norm_rms_epsilon", GgufValueType.FLOAT32, 1e-5f)
                .kv("llama.vocab_size", GgufValueType.UINT32, TOKENS.size())
                .kv("tokenizer.ggml.model", GgufValueType.STRING, "llama")
                .kv("tokenizer.ggml.tokens", GgufValueType.ARRAY, new GgufWriter.Arr(GgufValueType.STRING, TOKENS))
                .kv("tokenizer.ggml.scores", GgufValueType.ARRAY, new GgufWriter.Arr(GgufValueType.FLOAT32, scores))
                .kv("tokenizer.ggml.token_type", GgufValueType.ARRAY, new GgufWriter.Arr(GgufValueType.INT32, TYPES))
                .kv("tokenizer.ggml.unknown_token_id", GgufValueType.UINT32, UNK)
                .kv("tokenizer.ggml.bos_token_id", GgufValueType.UINT32, BOS)
                .kv("tokenizer.ggml.eos_token_id", GgufValueType.UINT32, EOS)
                .kv("tokenizer.ggml.add_bos_token", GgufValueType.BOOL, true)
                .kv("tokenizer.ggml.add_eos_token", GgufValueType.BOOL, false)
                .kv("tokenizer.chat_template", GgufValueType.STRING, CHAT_TEMPLATE);
    }

    /** How a tensor's values are made. */
    private enum Fill {
        ONES, RANDOM, OUTPUT
    }

    /** One F32 tensor; dims in ggml order (the first is the contiguous one). */
    private record Tensor(String name, Fill fill, float scale, long... dims) {
        long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        /** Element {@code i}; draws from the generator for every element so the stream stays aligned. */
        float value(long i, SplitMix64 random) {
            float r = random.nextSigned() * scale;
            return switch (fill) {
                case ONES -> 1f;
                case RANDOM -> r;
                case OUTPUT -> printable((int) (i / dims[0])) ? r : 0f;
            };
        }
    }

    static boolean printable(int id) {
        return TYPES.get(id) == NORMAL;
    }

    private static List<Tensor> tensors() {
        long vocab = TOKENS.size();
        float embd = (float) (1 / Math.sqrt(EMBEDDING));
        float ff = (float) (1 / Math.sqrt(FEED_FORWARD));
        List<Tensor> t = new ArrayList<>();
        t.add(new Tensor("token_embd.weight", Fill.RANDOM, 1f, EMBEDDING, vocab));
        for (int l = 0; l < LAYERS; l++) {
            String b = "blk." + l + ".";
            t.add(new Tensor(b + "attn_norm.weight", Fill.ONES, 1f, EMBEDDING));
            t.add(new Tensor(b + "attn_q.weight", Fill.RANDOM, embd, EMBEDDING, EMBEDDING));
            t.add(new Tensor(b + "attn_k.weight", Fill.RANDOM, embd, EMBEDDING, EMBEDDING));
            t.add(new Tensor(b + "attn_v.weight", Fill.RANDOM, embd, EMBEDDING, EMBEDDING));
            t.add(new Tensor(b + "attn_output.weight", Fill.RANDOM, embd, EMBEDDING, EMBEDDING));
            t.add(new Tensor(b + "ffn_norm.weight", Fill.ONES, 1f, EMBEDDING));
            t.add(new Tensor(b + "ffn_gate.weight", Fill.RANDOM, embd, EMBEDDING, FEED_FORWARD));
            t.add(new Tensor(b + "ffn_up.weight", Fill.RANDOM, embd, EMBEDDING, FEED_FORWARD));
            t.add(new Tensor(b + "ffn_down.weight", Fill.RANDOM, ff, FEED_FORWARD, EMBEDDING));
        }
        t.add(new Tensor("output_norm.weight", Fill.ONES, 1f, EMBEDDING));
        // Large output weights make the greedy choice clear-cut (the same on every CPU variant of ggml).
        t.add(new Tensor("output.weight", Fill.OUTPUT, 1f, EMBEDDING, vocab));
        return t;
    }

    private static void pad(ByteArrayOutputStream out) {
        while (out.size() % 32 != 0) {
            out.write(0);
        }
    }

    /** SplitMix64 (Steele, Lea, Flood 2014): a fixed, portable sequence for a given seed. */
    static final class SplitMix64 {
        private long state;

        SplitMix64(long seed) {
            state = seed;
        }

        long next() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        /** Uniform in [-1, 1), from the top 24 bits (exact in a float). */
        float nextSigned() {
            return ((next() >>> 40) / (float) (1 << 23)) - 1f;
        }
    }
}
