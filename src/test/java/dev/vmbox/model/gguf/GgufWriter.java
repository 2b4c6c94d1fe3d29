package dev.vmbox.model.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes GGUF files for tests, following ggml/docs/gguf.md; tensor data is left sparse (zeros). */
public final class GgufWriter {
    /** An array value for {@link #kv}: element type plus elements (nested arrays are Arr too). */
    public record Arr(GgufValueType type, List<?> values) {
    }

    private final ByteArrayOutputStream kvs = new ByteArrayOutputStream();
    private final ByteArrayOutputStream infos = new ByteArrayOutputStream();
    private int kvCount;
    private int tensorCount;
    private long nextOffset;
    private int version = 3;
    private long alignment = 32;

    public GgufWriter version(int v) {
        version = v;
        return this;
    }

    public GgufWriter kv(String key, GgufValueType type, Object value) {
        str(kvs, key);
        u32(kvs, type.id());
        value(kvs, type, value);
        kvCount++;
        if (key.equals("general.alignment")) {
            alignment = ((Number) value).longValue();
        }
        return this;
    }

    public GgufWriter tensor(String name, GgmlType type, long... dims) {
        str(infos, name);
        u32(infos, dims.length);
        long n = 1;
        for (long d : dims) {
            u64(infos, d);
            n *= d;
        }
        u32(infos, type.id());
        u64(infos, nextOffset);
        long bytes = type.bytesFor(n);
        nextOffset += (bytes + alignment - 1) / alignment * alignment;
        tensorCount++;
        return this;
    }

    /** Header, metadata and tensor infos, unpadded. */
    public byte[] header() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        u32(out, version);
        u64(out, tensorCount);
        u64(out, kvCount);
        out.writeBytes(kvs.toByteArray());
        out.writeBytes(infos.toByteArray());
        return out.toByteArray();
    }

    /** Writes the whole file: header, padding, then a sparse data section of the right size. */
    public Path write(Path file) throws IOException {
        byte[] h = header();
        Files.write(file, h);
        long dataStart = (h.length + alignment - 1) / alignment * alignment;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(dataStart + nextOffset);
        }
        return file;
    }

    public static void value(ByteArrayOutputStream out, GgufValueType type, Object v) {
        switch (type) {
            case UINT8, INT8 -> out.write(((Number) v).intValue());
            case BOOL -> out.write(((Boolean) v) ? 1 : 0);
            case UINT16, INT16 -> le(out, 2, ((Number) v).longValue());
            case UINT32, INT32 -> u32(out, ((Number) v).longValue());
            case UINT64, INT64 -> u64(out, ((Number) v).longValue());
            case FLOAT32 -> u32(out, Float.floatToIntBits(((Number) v).floatValue()));
            case FLOAT64 -> u64(out, Double.doubleToLongBits(((Number) v).doubleValue()));
            case STRING -> str(out, (String) v);
            case ARRAY -> {
                Arr a = (Arr) v;
                u32(out, a.type().id());
                u64(out, a.values().size());
                for (Object e : a.values()) {
                    value(out, a.type(), e);
                }
            }
        }
    }

    public static void str(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(out, b.length);
        out.writeBytes(b);
    }

    public static void u32(ByteArrayOutputStream out, long v) {
        le(out, 4, v);
    }

    public static void u64(ByteArrayOutputStream out, long v) {
        le(out, 8, v);
    }

    public static void le(ByteArrayOutputStream out, int n, long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        out.write(b.array(), 0, n);
    }

    /** Bytes from a list of little-endian pieces: Integer = u32, Long = u64, String = gguf string, byte[] raw. */
    public static byte[] raw(Object... pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : pieces) {
            if (p instanceof Integer i) {
                u32(out, i & 0xffffffffL);
            } else if (p instanceof Long l) {
                u64(out, l);
            } else if (p instanceof String s) {
                str(out, s);
            } else if (p instanceof byte[] b) {
                out.writeBytes(b);
            }
        }
        return out.toByteArray();
    }

    public static List<Object> list(Object... xs) {
        return new ArrayList<>(List.of(xs));
    }
}
