package dev.vmbox.model.gguf;

/** The metadata value types of the GGUF format (ggml/docs/gguf.md, {@code gguf_metadata_value_type}). */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, 8), ARRAY(9, 12), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int minSize;

    GgufValueType(int id, int minSize) {
        this.id = id;
        this.minSize = minSize;
    }

    public int id() {
        return id;
    }

    /** The fewest bytes one value of this type takes in a file (a string's 8-byte length, an array's header). */
    public int minSize() {
        return minSize;
    }

    /** The type with this id, or null for an unknown id. */
    public static GgufValueType of(long id) {
        for (GgufValueType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }
}
