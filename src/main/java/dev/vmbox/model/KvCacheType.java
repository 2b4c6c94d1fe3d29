package dev.vmbox.model;

import dev.vmbox.VmboxException;
import java.util.Locale;

/**
 * Element type of the KV cache (llama.cpp {@code --cache-type-k/-v}, Ollama {@code OLLAMA_KV_CACHE_TYPE}).
 * Bytes per element follow the ggml block sizes: f16 2, q8_0 34/32, q4_0 18/32.
 */
public enum KvCacheType {
    F16("f16", 2.0), Q8_0("q8_0", 34.0 / 32), Q4_0("q4_0", 18.0 / 32);

    private final String id;
    private final double bytesPerElement;

    KvCacheType(String id, double bytesPerElement) {
        this.id = id;
        this.bytesPerElement = bytesPerElement;
    }

    public String id() {
        return id;
    }

    public double bytesPerElement() {
        return bytesPerElement;
    }

    public static KvCacheType parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (KvCacheType k : values()) {
            if (k.id.equals(t)) {
                return k;
            }
        }
        throw VmboxException.badInput("unknown KV cache type '" + text + "'", "use one of: f16, q8_0, q4_0");
    }
}
