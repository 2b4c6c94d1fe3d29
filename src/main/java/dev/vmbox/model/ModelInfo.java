package dev.vmbox.model;

import dev.vmbox.VmboxException;
import dev.vmbox.model.gguf.GgmlType;
import dev.vmbox.model.gguf.GgufArray;
import dev.vmbox.model.gguf.GgufFile;
import dev.vmbox.model.gguf.GgufTensorInfo;
import dev.vmbox.spec.Names;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The shape and size of a model: what sizing needs. Built from a GGUF header ({@link #fromGguf}), from
 * the built-in catalogue ({@link ModelCatalog}) or estimated from a parameter count and a quantisation.
 *
 * @param name            what the user called it
 * @param architecture    {@code general.architecture}, e.g. llama, qwen2
 * @param parameterCount  number of weights
 * @param quantization    e.g. Q4_K_M, Q8_0, F16
 * @param blockCount      transformer layers
 * @param headCount       attention heads
 * @param headCountKv     key/value heads (fewer than heads with grouped-query attention)
 * @param embeddingLength hidden size
 * @param keyLength       size of one key head (usually embedding / heads)
 * @param valueLength     size of one value head
 * @param contextLength   context the model was trained for
 * @param weightsBytes    bytes of the weights (the model file)
 * @param format          GGUF or SAFETENSORS
 * @param source          where these figures come from: "gguf:FILE", "catalogue", "estimate"
 */
public record ModelInfo(String name, String architecture, long parameterCount, String quantization, int blockCount,
        int headCount, int headCountKv, int embeddingLength, int keyLength, int valueLength, int contextLength,
        long weightsBytes, ModelFormat format, String source) {

    /** KV cache bytes per token of context: 2 (K and V) x layers x KV heads x head size x bytes/element. */
    public long kvCacheBytesPerToken(KvCacheType type) {
        return (long) Math.ceil((double) blockCount * headCountKv * (keyLength + valueLength) * type.bytesPerElement());
    }

    public long kvCacheBytes(int contextTokens, KvCacheType type) {
        return Math.multiplyExact(kvCacheBytesPerToken(type), (long) contextTokens);
    }

    /** The same model in another quantisation, its size estimated from the parameter count. */
    public ModelInfo withQuantization(String quant) {
        String q = Quantization.normalize(quant);
        long bytes = Quantization.estimateBytes(q, parameterCount, embeddingLength)
                .orElseThrow(() -> VmboxException.badInput("unknown quantisation '" + quant + "'",
                        "use one of the llama.cpp names, e.g. Q4_K_M, Q5_K_M, Q8_0, F16"));
        return new ModelInfo(name, architecture, parameterCount, q, blockCount, headCount, headCountKv, embeddingLength,
                keyLength, valueLength, contextLength, bytes, format, "estimate");
    }

    public ModelInfo withName(String newName) {
        return new ModelInfo(newName, architecture, parameterCount, quantization, blockCount, headCount, headCountKv,
                embeddingLength, keyLength, valueLength, contextLength, weightsBytes, format, source);
    }

    public ModelInfo withWeightsBytes(long bytes, String newSource) {
        return new ModelInfo(name, architecture, parameterCount, quantization, blockCount, headCount, headCountKv,
                embeddingLength, keyLength, valueLength, contextLength, bytes, format, newSource);
    }

    /** Reads the sizing facts from a GGUF header; refuses a header that lacks them. */
    public static ModelInfo fromGguf(GgufFile g, String name) {
        String arch = g.string("general.architecture").orElseThrow(() -> missing(g, "general.architecture"));
        if (!arch.matches("[a-z0-9_.-]{1,64}")) {
            throw VmboxException.badInput("GGUF file " + g.path() + ": general.architecture " + Names.forMessage(arch)
                    + " is not a valid architecture name", "the file is damaged or not a model");
        }
        int layers = positive(g, arch + ".block_count", true);
        int embd = positive(g, arch + ".embedding_length", true);
        int heads = positive(g, arch + ".attention.head_count", true);
        int kvHeads = positiveOr(g, arch + ".attention.head_count_kv", heads);
        int keyLen = positiveOr(g, arch + ".attention.key_length", embd / heads);
        int valueLen = positiveOr(g, arch + ".attention.value_length", keyLen);
        int ctx = positiveOr(g, arch + ".context_length", 2048);
        String quant = g.integer("general.file_type").flatMap(Quantization::fileTypeName)
                .orElseGet(() -> dominantType(g));
        long params = g.parameterCount();
        return new ModelInfo(name, arch, params, quant, layers, heads, kvHeads, embd, keyLen, valueLen, ctx,
                Math.max(g.tensorBytes(), 0), ModelFormat.GGUF, "gguf:" + g.path());
    }

    /** The tensor type that holds the most bytes, when the file does not state its file type. */
    private static String dominantType(GgufFile g) {
        Map<GgmlType, Long> bytes = new EnumMap<>(GgmlType.class);
        for (GgufTensorInfo t : g.tensors()) {
            bytes.merge(t.type(), t.bytes(), Long::sum);
        }
        return bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(e -> e.getKey().name()).orElse("unknown");
    }

    private static VmboxException missing(GgufFile g, String key) {
        return VmboxException.badInput("GGUF file " + g.path() + " has no " + key + " (needed to size the VM)",
                "the file is not a complete model (an adapter or a vocabulary-only file?)");
    }

    private static int positive(GgufFile g, String key, boolean required) {
        Optional<Long> v = intValue(g, key);
        if (v.isEmpty()) {
            if (required) {
                throw missing(g, key);
            }
            return 0;
        }
        long n = v.get();
        if (n <= 0 || n > 10_000_000) {
            throw VmboxException.badInput("GGUF file " + g.path() + ": " + key + " = " + n + " is out of range",
                    "the file is damaged");
        }
        return (int) n;
    }

    private static int positiveOr(GgufFile g, String key, int fallback) {
        int n = positive(g, key, false);
        return n == 0 ? fallback : n;
    }

    /** An integer, or the largest element of an integer array (per-layer head counts). */
    private static Optional<Long> intValue(GgufFile g, String key) {
        Optional<Long> v = g.integer(key);
        if (v.isPresent()) {
            return v;
        }
        Optional<GgufArray> a = g.array(key);
        if (a.isPresent() && a.get().complete()) {
            return a.get().head().stream().filter(Long.class::isInstance).map(Long.class::cast).max(Long::compare);
        }
        return Optional.empty();
    }
}
