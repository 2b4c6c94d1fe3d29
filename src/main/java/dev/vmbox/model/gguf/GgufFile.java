package dev.vmbox.model.gguf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a GGUF file's header says: version, metadata and tensor infos. Metadata values are Long (every
 * integer type; UINT64 values above Long.MAX_VALUE keep their bits), Double (FLOAT32, FLOAT64), Boolean,
 * String or {@link GgufArray}.
 *
 * @param path       the file
 * @param version    2 or 3
 * @param fileSize   the file's size in bytes
 * @param metadata   the key/value pairs in file order
 * @param types      the declared type of each key
 * @param tensors    the tensor infos in file order
 * @param alignment  {@code general.alignment}, or 32
 * @param dataOffset where the tensor data section starts
 */
public record GgufFile(Path path, int version, long fileSize, Map<String, Object> metadata,
        Map<String, GgufValueType> types, List<GgufTensorInfo> tensors, long alignment, long dataOffset) {

    public GgufFile {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
        tensors = List.copyOf(tensors);
    }

    public Optional<String> string(String key) {
        return metadata.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** An integer value (any integer type), if the key holds one. */
    public Optional<Long> integer(String key) {
        return metadata.get(key) instanceof Long l ? Optional.of(l) : Optional.empty();
    }

    public Optional<Double> number(String key) {
        Object v = metadata.get(key);
        if (v instanceof Long l) {
            return Optional.of(l.doubleValue());
        }
        return v instanceof Double d ? Optional.of(d) : Optional.empty();
    }

    public Optional<GgufArray> array(String key) {
        return metadata.get(key) instanceof GgufArray a ? Optional.of(a) : Optional.empty();
    }

    /** Sum of the elements of every tensor: the parameter count. */
    public long parameterCount() {
        long n = 0;
        for (GgufTensorInfo t : tensors) {
            n = Math.addExact(n, t.elements());
        }
        return n;
    }

    /** Sum of the bytes of every tensor's data. */
    public long tensorBytes() {
        long n = 0;
        for (GgufTensorInfo t : tensors) {
            n = Math.addExact(n, t.bytes());
        }
        return n;
    }
}
