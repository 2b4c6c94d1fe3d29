package dev.vmbox.model.gguf;

/**
 * One tensor's description from the GGUF header.
 *
 * @param name     its name, e.g. {@code blk.0.attn_q.weight}
 * @param dims     its dimensions (1 to 4)
 * @param type     its element type
 * @param offset   where its data starts, relative to the start of the data section
 * @param elements the product of the dimensions
 * @param bytes    the bytes its data takes
 */
public record GgufTensorInfo(String name, long[] dims, GgmlType type, long offset, long elements, long bytes) {
    public GgufTensorInfo {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }
}
