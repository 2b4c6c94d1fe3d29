package dev.vmbox.model;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Quantisation names and their effective size. {@link #fileTypeName(long)} maps GGUF
 * {@code general.file_type} ids (llama.cpp {@code enum llama_ftype}) to names; {@link #bitsPerWeight}
 * gives the whole-file bits per parameter of each mix, derived from the sizes llama.cpp's quantize tool
 * lists for Llama-3-8B (tools/quantize/quantize.cpp {@code QUANT_OPTIONS}: e.g. Q4_K_M 4.58 GiB,
 * Q8_0 7.96 GiB for 8.03 B parameters), so it includes the higher-precision embedding and output tensors.
 */
public final class Quantization {
    private static final Map<Integer, String> FILE_TYPES = Map.ofEntries(
            Map.entry(0, "F32"), Map.entry(1, "F16"), Map.entry(2, "Q4_0"), Map.entry(3, "Q4_1"),
            Map.entry(7, "Q8_0"), Map.entry(8, "Q5_0"), Map.entry(9, "Q5_1"), Map.entry(10, "Q2_K"),
            Map.entry(11, "Q3_K_S"), Map.entry(12, "Q3_K_M"), Map.entry(13, "Q3_K_L"), Map.entry(14, "Q4_K_S"),
            Map.entry(15, "Q4_K_M"), Map.entry(16, "Q5_K_S"), Map.entry(17, "Q5_K_M"), Map.entry(18, "Q6_K"),
            Map.entry(19, "IQ2_XXS"), Map.entry(20, "IQ2_XS"), Map.entry(21, "Q2_K_S"), Map.entry(22, "IQ3_XS"),
            Map.entry(23, "IQ3_XXS"), Map.entry(24, "IQ1_S"), Map.entry(25, "IQ4_NL"), Map.entry(26, "IQ3_S"),
            Map.entry(27, "IQ3_M"), Map.entry(28, "IQ2_S"), Map.entry(29, "IQ2_M"), Map.entry(30, "IQ4_XS"),
            Map.entry(31, "IQ1_M"), Map.entry(32, "BF16"), Map.entry(36, "TQ1_0"), Map.entry(37, "TQ2_0"),
            Map.entry(38, "MXFP4_MOE"), Map.entry(39, "NVFP4"), Map.entry(40, "Q1_0"));

    /** Effective bits per parameter of a whole file (8.03 B-parameter Llama-3-8B sizes from llama.cpp). */
    private static final Map<String, Double> BPW = Map.ofEntries(
            Map.entry("F32", 32.0), Map.entry("F16", 16.0), Map.entry("BF16", 16.0),
            Map.entry("Q8_0", 8.52), Map.entry("Q6_K", 6.57), Map.entry("Q5_K_M", 5.70), Map.entry("Q5_K_S", 5.57),
            Map.entry("Q5_1", 6.04), Map.entry("Q5_0", 5.57), Map.entry("Q4_K_M", 4.90), Map.entry("Q4_K_S", 4.67),
            Map.entry("Q4_1", 5.11), Map.entry("Q4_0", 4.64), Map.entry("IQ4_XS", 4.46), Map.entry("IQ4_NL", 4.68),
            Map.entry("Q3_K_L", 4.31), Map.entry("Q3_K_M", 4.00), Map.entry("Q3_K_S", 3.65), Map.entry("IQ3_M", 3.76),
            Map.entry("IQ3_S", 3.66), Map.entry("IQ3_XS", 3.50), Map.entry("IQ3_XXS", 3.21), Map.entry("Q2_K", 3.17),
            Map.entry("Q2_K_S", 2.97), Map.entry("IQ2_M", 2.93), Map.entry("IQ2_S", 2.74), Map.entry("IQ2_XS", 2.55),
            Map.entry("IQ2_XXS", 2.38), Map.entry("IQ1_M", 2.01), Map.entry("IQ1_S", 1.88),
            Map.entry("MXFP4_MOE", 4.35), Map.entry("TQ1_0", 1.69), Map.entry("TQ2_0", 2.06));

    /**
     * K-quants need rows that are a multiple of 256; when a model's embedding size is not (e.g. 896 in
     * Qwen2.5-0.5B), llama.cpp falls back to legacy types (Q4_K to Q5_0, Q5_K to Q5_1, Q6_K to Q8_0), so
     * the file is bigger than the mix's nominal size.
     */
    private static final Map<String, Double> BPW_UNALIGNED = Map.of(
            "Q4_K_M", 6.0, "Q4_K_S", 5.6, "Q5_K_M", 6.5, "Q5_K_S", 6.1, "Q6_K", 8.52,
            "Q3_K_M", 4.9, "Q3_K_S", 4.7, "Q3_K_L", 5.1, "Q2_K", 4.7);

    private Quantization() {
    }

    public static Optional<String> fileTypeName(long id) {
        return Optional.ofNullable(FILE_TYPES.get((int) id));
    }

    /** Upper-case canonical name: {@code q4_k_m} and {@code Q4_K_M} give {@code Q4_K_M}; {@code fp16} gives F16. */
    public static String normalize(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        return switch (n) {
            case "FP16" -> "F16";
            case "FP32" -> "F32";
            default -> n;
        };
    }

    public static boolean isKnown(String name) {
        return BPW.containsKey(normalize(name));
    }

    /**
     * Effective bits per parameter of a file in this quantisation.
     *
     * @param embeddingLength the model's embedding size; 0 when unknown
     */
    public static Optional<Double> bitsPerWeight(String name, long embeddingLength) {
        String n = normalize(name);
        if (embeddingLength > 0 && embeddingLength % 256 != 0 && BPW_UNALIGNED.containsKey(n)) {
            return Optional.of(BPW_UNALIGNED.get(n));
        }
        return Optional.ofNullable(BPW.get(n));
    }

    /** Estimated file size of {@code parameters} parameters in this quantisation. */
    public static Optional<Long> estimateBytes(String name, long parameters, long embeddingLength) {
        return bitsPerWeight(name, embeddingLength).map(bpw -> (long) Math.ceil(parameters * bpw / 8.0));
    }
}
