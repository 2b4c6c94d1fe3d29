package dev.vmbox.model.gguf;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.spec.Names;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the header of a GGUF file (magic, version, metadata, tensor infos) from a {@link FileChannel},
 * never mapping or reading the tensor data. Every count, length and nesting level is checked against
 * {@link GgufLimits} and against the bytes actually left before anything is allocated or looped over,
 * so a hostile file fails fast with a {@link VmboxException} ({@link ExitCode#BAD_INPUT}) that names the
 * file, the field and its offset.
 *
 * <p>Format: ggml/docs/gguf.md. All numbers little-endian; strings are a u64 length plus UTF-8 bytes;
 * tensor data starts at the next multiple of {@code general.alignment} (default 32) after the tensor
 * infos, and each tensor's offset is relative to it.
 */
public final class GgufReader {
    static final int MAGIC = 0x46554747; // "GGUF" read as little-endian u32
    private static final int MAX_DIMS = 4;
    private static final int BUFFER = 1 << 16;
    /**
     * Stands for the key or tensor name being read in a field's description; {@link Input#error} puts the
     * name there, escaped and cut short by {@link Names#forMessage}. Descriptions stay short and cheap to
     * build however long or odd the names in the file are, and a name is escaped only for an error.
     */
    private static final String NAME = "<name>";

    private final GgufLimits limits;

    public GgufReader(GgufLimits limits) {
        this.limits = limits;
    }

    public GgufReader() {
        this(GgufLimits.defaults());
    }

    /** Reads a GGUF file's header with the default limits. */
    public static GgufFile read(Path file) {
        return new GgufReader().readFile(file);
    }

    public GgufFile readFile(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return parse(file, ch);
        } catch (NoSuchFileException e) {
            throw VmboxException.badInput("model file " + file + " does not exist", "check the path");
        } catch (IOException e) {
            throw VmboxException.badInput("cannot read model file " + file + ": " + e.getMessage(),
                    "check that the file is readable");
        }
    }

    /**
     * Reads the header from the first bytes of a remote file (fetched with an HTTP range request), so a
     * model can be sized before it is downloaded.
     *
     * @param prefix   a file holding the first bytes of the model
     * @param fullSize the size of the whole model file
     * @param name     what to call the model in errors
     */
    public GgufFile readPrefix(Path prefix, long fullSize, String name) {
        try (FileChannel ch = FileChannel.open(prefix, StandardOpenOption.READ)) {
            if (ch.size() > fullSize) {
                throw VmboxException.badInput(name + " is larger than its declared size", "the source is inconsistent");
            }
            return parse(Path.of(name), ch, fullSize);
        } catch (IOException e) {
            throw VmboxException.badInput("cannot read the fetched header of " + name + ": " + e.getMessage(),
                    "try again");
        }
    }

    private GgufFile parse(Path file, FileChannel ch) throws IOException {
        return parse(file, ch, ch.size());
    }

    private GgufFile parse(Path file, FileChannel ch, long fileSize) throws IOException {
        Input in = new Input(file, ch, fileSize, limits.maxHeaderBytes());
        long magic = in.u32("magic");
        if (magic != MAGIC) {
            throw in.error("magic", 0, "not a GGUF file (the first 4 bytes are not \"GGUF\")");
        }
        long version = in.u32("version");
        if (version != 2 && version != 3) {
            throw in.error("version", 4, "unsupported GGUF version " + version + " (2 and 3 are supported)");
        }
        long tensorCount = in.u64("tensor_count");
        if (tensorCount < 0 || tensorCount > limits.maxTensors()) {
            throw in.error("tensor_count", 8, "tensor count " + Long.toUnsignedString(tensorCount) + " exceeds the limit of "
                    + limits.maxTensors());
        }
        long kvCount = in.u64("metadata_kv_count");
        if (kvCount < 0 || kvCount > limits.maxKeyValues()) {
            throw in.error("metadata_kv_count", 16, "metadata count " + Long.toUnsignedString(kvCount)
                    + " exceeds the limit of " + limits.maxKeyValues());
        }
        // each entry takes at least a key length (8), a type (4) and one byte of value
        in.requireRoom(kvCount, 13, "metadata_kv_count", 16);

        Map<String, Object> metadata = new LinkedHashMap<>();
        Map<String, GgufValueType> types = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = in.pos;
            String key = in.string("metadata key #" + i);
            if (key.isEmpty()) {
                throw in.error("metadata key #" + i, at, "empty key");
            }
            in.name = key;
            if (metadata.containsKey(key)) {
                throw in.error("metadata key " + NAME, at, "duplicate key");
            }
            long typeAt = in.pos;
            long typeId = in.u32("type of " + NAME);
            GgufValueType type = GgufValueType.of(typeId);
            if (type == null) {
                throw in.error("type of " + NAME, typeAt, "unknown value type " + typeId);
            }
            metadata.put(key, value(in, type, "value of " + NAME, 0));
            types.put(key, type);
        }

        long alignment = 32;
        if (metadata.containsKey("general.alignment")) {
            Object a = metadata.get("general.alignment");
            if (types.get("general.alignment") != GgufValueType.UINT32 || !(a instanceof Long l) || l <= 0
                    || Long.bitCount(l) != 1 || l > (1 << 20)) {
                // the value itself is shown only when it is a number: a string from the file has no place here
                throw in.error("general.alignment", -1, "alignment must be a UINT32 power of two, got "
                        + (a instanceof Long n ? types.get("general.alignment") + " " + Long.toUnsignedString(n)
                                : "a value of type " + types.get("general.alignment")));
            }
            alignment = l;
        }

        // each tensor info takes at least a name length (8), n_dims (4), one dim (8), type (4) and offset (8)
        in.requireRoom(tensorCount, 32, "tensor_count", 8);
        List<GgufTensorInfo> tensors = new ArrayList<>((int) Math.min(tensorCount, 4096));
        for (long i = 0; i < tensorCount; i++) {
            tensors.add(tensorInfo(in, i, alignment));
        }
        long dataOffset = align(in.pos, alignment);
        for (GgufTensorInfo t : tensors) {
            in.name = t.name();
            long end;
            try {
                end = Math.addExact(Math.addExact(dataOffset, t.offset()), t.bytes());
            } catch (ArithmeticException e) {
                throw in.error("tensor " + NAME + " offset", -1, "offset overflows");
            }
            if (end > in.fileSize) {
                throw in.error("tensor " + NAME + " data", dataOffset + t.offset(),
                        "its " + t.bytes() + " bytes extend past the end of the file (" + in.fileSize
                                + " bytes): the file is truncated");
            }
        }
        return new GgufFile(file, (int) version, in.fileSize, metadata, types, tensors, alignment, dataOffset);
    }

    private GgufTensorInfo tensorInfo(Input in, long index, long alignment) throws IOException {
        long at = in.pos;
        String name = in.string("tensor #" + index + " name");
        in.name = name;
        String field = "tensor " + NAME;
        long nDims = in.u32(field + " n_dims");
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw in.error(field + " n_dims", in.pos - 4, "n_dims " + nDims + " is not between 1 and " + MAX_DIMS);
        }
        long[] dims = new long[(int) nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            long dimAt = in.pos;
            dims[d] = in.u64(field + " dim " + d);
            if (dims[d] < 1) {
                throw in.error(field + " dim " + d, dimAt, "dimension " + Long.toUnsignedString(dims[d]) + " is not positive"
                        + " or too large");
            }
            try {
                elements = Math.multiplyExact(elements, dims[d]);
            } catch (ArithmeticException e) {
                throw in.error(field + " dims", dimAt, "element count overflows");
            }
        }
        long typeAt = in.pos;
        long typeId = in.u32(field + " type");
        GgmlType type = GgmlType.of(typeId);
        if (type == null) {
            throw in.error(field + " type", typeAt, "unknown tensor type " + typeId);
        }
        if (dims[0] % type.blockElements() != 0) {
            throw in.error(field + " dims", at, "first dimension " + dims[0] + " is not a multiple of the " + type
                    + " block size " + type.blockElements());
        }
        long offsetAt = in.pos;
        long offset = in.u64(field + " offset");
        if (offset < 0 || offset % alignment != 0) {
            throw in.error(field + " offset", offsetAt, "offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment "
                    + alignment);
        }
        long bytes;
        try {
            bytes = type.bytesFor(elements);
        } catch (ArithmeticException e) {
            throw in.error(field + " dims", at, "data size overflows");
        }
        return new GgufTensorInfo(name, dims, type, offset, elements, bytes);
    }

    private Object value(Input in, GgufValueType type, String field, int depth) throws IOException {
        switch (type) {
            case UINT8:
                return (long) in.u8(field);
            case INT8:
                return (long) (byte) in.u8(field);
            case UINT16:
                return (long) in.u16(field);
            case INT16:
                return (long) (short) in.u16(field);
            case UINT32:
                return in.u32(field);
            case INT32:
                return (long) (int) in.u32(field);
            case UINT64:
            case INT64:
                return in.u64(field);
            case FLOAT32:
                return (double) Float.intBitsToFloat((int) in.u32(field));
            case FLOAT64:
                return Double.longBitsToDouble(in.u64(field));
            case BOOL: {
                long at = in.pos;
                int b = in.u8(field);
                if (b > 1) {
                    throw in.error(field, at, "boolean byte is " + b + ", not 0 or 1");
                }
                return b == 1;
            }
            case STRING:
                return in.string(field);
            case ARRAY:
                return array(in, field, depth + 1);
            default:
                throw new IllegalStateException("unhandled type " + type);
        }
    }

    private GgufArray array(Input in, String field, int depth) throws IOException {
        long at = in.pos;
        if (depth > limits.maxNesting()) {
            throw in.error(field, at, "arrays nested deeper than " + limits.maxNesting() + " levels");
        }
        long typeId = in.u32(field + " element type");
        GgufValueType type = GgufValueType.of(typeId);
        if (type == null) {
            throw in.error(field + " element type", at, "unknown array element type " + typeId);
        }
        long lengthAt = in.pos;
        long length = in.u64(field + " length");
        if (length < 0 || length > limits.maxArrayLength()) {
            throw in.error(field + " length", lengthAt, "array length " + Long.toUnsignedString(length) + " exceeds the limit of "
                    + limits.maxArrayLength());
        }
        in.requireRoom(length, type.minSize(), field + " length", lengthAt);
        int keep = (int) Math.min(Math.min(length, limits.retainedArrayElements()), in.retainLeft);
        in.retainLeft -= keep;
        List<Object> head = new ArrayList<>(keep);
        for (long i = 0; i < length; i++) {
            if (i < keep) {
                head.add(value(in, type, field, depth));
            } else if (type == GgufValueType.STRING) {
                in.skipString(field);
            } else if (type == GgufValueType.ARRAY) {
                array(in, field, depth + 1);
            } else {
                // fixed-size elements: skip the rest in one step (room was checked above)
                in.skip(Math.multiplyExact(length - i, (long) type.minSize()), field);
                break;
            }
        }
        return new GgufArray(type, length, head);
    }

    private static long align(long pos, long alignment) {
        long rem = pos % alignment;
        return rem == 0 ? pos : pos + (alignment - rem);
    }

    /** A bounded little-endian reader over the file channel. */
    private final class Input {
        final Path file;
        final FileChannel ch;
        final long fileSize;
        final long budget;
        final long readable;
        final ByteBuffer buf = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        long bufStart = 0;
        long pos = 0;
        long retainLeft = limits.retainedTotal();
        /** The key or tensor name being read, for {@code NAME} in error messages. */
        String name = "";

        Input(Path file, FileChannel ch, long fileSize, long budget) {
            this.file = file;
            this.ch = ch;
            this.fileSize = fileSize;
            this.budget = budget;
            long r;
            try {
                r = ch.size();
            } catch (IOException e) {
                r = fileSize;
            }
            this.readable = r;
            buf.limit(0);
        }

        VmboxException error(String field, long offset, String problem) {
            return new VmboxException(ExitCode.BAD_INPUT, "GGUF file " + file + ": "
                    + field.replace(NAME, Names.forMessage(name))
                    + (offset >= 0 ? " at offset " + offset : "") + ": " + problem,
                    "the file is damaged or not a GGUF model; download it again from a source you trust");
        }

        /** Refuses when {@code count} items of at least {@code minSize} bytes cannot fit in what is left. */
        void requireRoom(long count, long minSize, String field, long at) {
            long left = Math.min(fileSize, budget) - pos;
            if (count > 0 && (count > left / minSize)) {
                boolean pastFile = fileSize <= budget || count > (fileSize - pos) / minSize;
                throw error(field, at, Long.toUnsignedString(count) + " entries cannot fit in the " + left + " bytes "
                        + (pastFile ? "left in the file" : "left of the " + budget + "-byte header limit"));
            }
        }

        private void need(long n, String field) {
            if (pos + n > fileSize) {
                throw error(field, pos, "the file ends after " + fileSize + " bytes (truncated)");
            }
            if (pos + n > budget) {
                throw error(field, pos, "the header is larger than the limit of " + budget + " bytes");
            }
            if (pos + n > readable) {
                throw error(field, pos, "the header extends beyond the first " + readable + " bytes fetched");
            }
        }

        private ByteBuffer at(int n, String field) throws IOException {
            need(n, field);
            if (pos < bufStart || pos + n > bufStart + buf.limit()) {
                buf.clear();
                long p = pos;
                while (buf.hasRemaining()) {
                    int r = ch.read(buf, p);
                    if (r <= 0) {
                        break;
                    }
                    p += r;
                }
                buf.flip();
                bufStart = pos;
                if (buf.limit() < n) {
                    throw error(field, pos, "the file ends early (truncated)");
                }
            }
            buf.position((int) (pos - bufStart));
            pos += n;
            return buf;
        }

        int u8(String field) throws IOException {
            return at(1, field).get() & 0xff;
        }

        int u16(String field) throws IOException {
            return at(2, field).getShort() & 0xffff;
        }

        long u32(String field) throws IOException {
            return at(4, field).getInt() & 0xffffffffL;
        }

        long u64(String field) throws IOException {
            return at(8, field).getLong();
        }

        void skip(long n, String field) {
            need(n, field);
            pos += n;
        }

        private int stringLength(String field) throws IOException {
            long at = pos;
            long len = u64(field + " length");
            if (len < 0 || len > limits.maxStringBytes()) {
                throw error(field + " length", at, "string length " + Long.toUnsignedString(len) + " exceeds the limit of "
                        + limits.maxStringBytes() + " bytes");
            }
            need(len, field);
            return (int) len;
        }

        void skipString(String field) throws IOException {
            skip(stringLength(field), field);
        }

        String string(String field) throws IOException {
            int len = stringLength(field);
            long at = pos;
            byte[] bytes = new byte[len];
            if (len <= BUFFER) {
                at(len, field).get(bytes);
            } else {
                ByteBuffer dst = ByteBuffer.wrap(bytes);
                long p = pos;
                while (dst.hasRemaining()) {
                    int r = ch.read(dst, p);
                    if (r <= 0) {
                        throw error(field, p, "the file ends early (truncated)");
                    }
                    p += r;
                }
                pos += len;
            }
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw error(field, at, "string is not valid UTF-8");
            }
        }
    }
}
