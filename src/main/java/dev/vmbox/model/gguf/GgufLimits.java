package dev.vmbox.model.gguf;

/**
 * Bounds on what the reader accepts, so a hostile file cannot make it allocate or loop without limit.
 *
 * @param maxHeaderBytes         the header, metadata and tensor infos together (everything before the data)
 * @param maxStringBytes         one string (keys, values, tensor names)
 * @param maxArrayLength         elements of one array
 * @param maxKeyValues           metadata entries
 * @param maxTensors             tensor infos
 * @param maxNesting             arrays inside arrays
 * @param retainedArrayElements  elements of each array kept in memory
 * @param retainedTotal          array elements kept in memory over the whole file (nested arrays multiply)
 */
public record GgufLimits(long maxHeaderBytes, int maxStringBytes, long maxArrayLength, long maxKeyValues,
        long maxTensors, int maxNesting, int retainedArrayElements, long retainedTotal) {

    /** Generous for real models (the largest vocabularies are ~260k tokens, the largest MoE ~ 3k tensors). */
    public static GgufLimits defaults() {
        return new GgufLimits(64L << 20, 1 << 20, 4L << 20, 65_536, 65_536, 4, 64, 100_000);
    }
}
