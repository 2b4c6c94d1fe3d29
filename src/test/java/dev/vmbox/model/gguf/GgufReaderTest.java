package dev.vmbox.model.gguf;

import static dev.vmbox.model.gguf.GgufWriter.raw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GgufReaderTest {
    @TempDir
    Path tmp;

    private static final byte[] HEAD = "GGUF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private GgufWriter.Arr arr(GgufValueType t, Object... xs) {
        return new GgufWriter.Arr(t, Arrays.asList(xs));
    }

    @Test
    void readsEveryMetadataTypeIncludingNestedArrays() throws IOException {
        Path f = new GgufWriter()
                .kv("u8", GgufValueType.UINT8, 250)
                .kv("i8", GgufValueType.INT8, -5)
                .kv("u16", GgufValueType.UINT16, 65000)
                .kv("i16", GgufValueType.INT16, -30000)
                .kv("u32", GgufValueType.UINT32, 4_000_000_000L)
                .kv("i32", GgufValueType.INT32, -2_000_000_000)
                .kv("f32", GgufValueType.FLOAT32, 1.5f)
                .kv("bool", GgufValueType.BOOL, true)
                .kv("str", GgufValueType.STRING, "héllo")
                .kv("u64", GgufValueType.UINT64, -1L)
                .kv("i64", GgufValueType.INT64, -9_000_000_000L)
                .kv("f64", GgufValueType.FLOAT64, 2.25)
                .kv("arr.i32", GgufValueType.ARRAY, arr(GgufValueType.INT32, 1, -2, 3))
                .kv("arr.str", GgufValueType.ARRAY, arr(GgufValueType.STRING, "a", "", "c"))
                .kv("arr.nested", GgufValueType.ARRAY, arr(GgufValueType.ARRAY,
                        arr(GgufValueType.UINT8, 1, 2), arr(GgufValueType.ARRAY, arr(GgufValueType.BOOL, false, true))))
                .kv("arr.empty", GgufValueType.ARRAY, arr(GgufValueType.FLOAT64))
                .write(tmp.resolve("types.gguf"));
        GgufFile g = GgufReader.read(f);
        assertEquals(3, g.version());
        assertEquals(250L, g.metadata().get("u8"));
        assertEquals(-5L, g.metadata().get("i8"));
        assertEquals(65000L, g.metadata().get("u16"));
        assertEquals(-30000L, g.metadata().get("i16"));
        assertEquals(4_000_000_000L, g.metadata().get("u32"));
        assertEquals(-2_000_000_000L, g.metadata().get("i32"));
        assertEquals(1.5, g.metadata().get("f32"));
        assertEquals(true, g.metadata().get("bool"));
        assertEquals("héllo", g.string("str").orElseThrow());
        assertEquals("18446744073709551615", Long.toUnsignedString(g.integer("u64").orElseThrow()));
        assertEquals(-9_000_000_000L, g.metadata().get("i64"));
        assertEquals(2.25, g.metadata().get("f64"));
        assertEquals(GgufValueType.FLOAT64, g.types().get("f64"));
        GgufArray a = g.array("arr.i32").orElseThrow();
        assertEquals(GgufValueType.INT32, a.elementType());
        assertEquals(List.of(1L, -2L, 3L), a.head());
        assertTrue(a.complete());
        assertEquals(List.of("a", "", "c"), g.array("arr.str").orElseThrow().head());
        GgufArray nested = g.array("arr.nested").orElseThrow();
        assertEquals(GgufValueType.ARRAY, nested.elementType());
        assertEquals(List.of(1L, 2L), ((GgufArray) nested.head().get(0)).head());
        GgufArray inner = (GgufArray) ((GgufArray) nested.head().get(1)).head().get(0);
        assertEquals(List.of(false, true), inner.head());
        assertEquals(0, g.array("arr.empty").orElseThrow().length());
        assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "u64", "i64", "f64",
                "arr.i32", "arr.str", "arr.nested", "arr.empty"), new ArrayList<>(g.metadata().keySet()));
    }

    @Test
    void readsVersion2AndTensorInfosAndCountsParameters() throws IOException {
        Path f = new GgufWriter().version(2)
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("general.alignment", GgufValueType.UINT32, 64)
                .tensor("token_embd.weight", GgmlType.Q4_K, 256, 100)
                .tensor("blk.0.attn_q.weight", GgmlType.Q8_0, 64, 64)
                .tensor("output_norm.weight", GgmlType.F32, 256)
                .write(tmp.resolve("t.gguf"));
        GgufFile g = GgufReader.read(f);
        assertEquals(2, g.version());
        assertEquals(64, g.alignment());
        assertEquals(0, g.dataOffset() % 64);
        assertEquals(3, g.tensors().size());
        assertEquals(25_600 + 4_096 + 256, g.parameterCount());
        GgufTensorInfo t = g.tensors().get(0);
        assertEquals("token_embd.weight", t.name());
        assertEquals(GgmlType.Q4_K, t.type());
        assertEquals(100 * 144, t.bytes());
        assertEquals(64 * 2 * 34, g.tensors().get(1).bytes());
        assertEquals(100 * 144 + 128 * 34 + 1024, g.tensorBytes());
    }

    @Test
    void keepsOnlyTheHeadOfLongArraysButChecksThemAll() throws IOException {
        List<Object> ints = new ArrayList<>();
        List<Object> strs = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            ints.add(i);
            strs.add("tok" + i);
        }
        Path f = new GgufWriter()
                .kv("tokenizer.ggml.token_type", GgufValueType.ARRAY, new GgufWriter.Arr(GgufValueType.INT32, ints))
                .kv("tokenizer.ggml.tokens", GgufValueType.ARRAY, new GgufWriter.Arr(GgufValueType.STRING, strs))
                .kv("after", GgufValueType.STRING, "still read")
                .write(tmp.resolve("long.gguf"));
        GgufFile g = GgufReader.read(f);
        GgufArray a = g.array("tokenizer.ggml.tokens").orElseThrow();
        assertEquals(5000, a.length());
        assertEquals(GgufLimits.defaults().retainedArrayElements(), a.head().size());
        assertFalse(a.complete());
        assertEquals("tok0", a.head().get(0));
        assertEquals(5000, g.array("tokenizer.ggml.token_type").orElseThrow().length());
        assertEquals("still read", g.string("after").orElseThrow());
    }

    // ---- malformed files -----------------------------------------------------------------------

    private VmboxException bad(byte[] bytes) throws IOException {
        return bad(bytes, GgufLimits.defaults());
    }

    private VmboxException bad(byte[] bytes, GgufLimits limits) throws IOException {
        Path f = tmp.resolve("bad-" + System.nanoTime() + ".gguf");
        Files.write(f, bytes);
        VmboxException e = assertThrows(VmboxException.class, () -> new GgufReader(limits).readFile(f));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains(f.toString()), "names the file: " + e.getMessage());
        assertTrue(e.hint() != null && !e.hint().isBlank());
        return e;
    }

    private static void contains(VmboxException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
        }
    }

    @Test
    void namesFromTheFileAreShownEscapedAndShortInErrors() throws IOException {
        // fuzzing found: keys and tensor names went into the message raw, so a file could put a newline or
        // a terminal escape into vmbox's one-line error (and a 1 MiB key made a 1 MiB message)
        String hostile = "evil\n\u001b[31mkey" + "x".repeat(5000);
        for (VmboxException e : List.of(
                bad(raw(HEAD, 3, 0L, 1L, hostile, 99)),
                bad(raw(HEAD, 3, 0L, 2L, hostile, 0, new byte[] {1}, hostile, 0, new byte[] {1})),
                bad(raw(HEAD, 3, 1L, 0L, hostile, 5, 1L, 1L, 1L, 1L, 1L, 0, 0L)))) {
            assertTrue(e.getMessage().contains("'evil\\u000a\\u001b[31mkeyxxx"), e.getMessage());
            assertTrue(e.getMessage().length() < 300, e.getMessage());
            assertTrue(e.getMessage().chars().noneMatch(Character::isISOControl), e.getMessage());
        }
    }

    @Test
    void oddNamesCostNothingUntilAnErrorShowsOne() throws IOException {
        // fuzzing found: each key was escaped for messages as it was read (String.format per odd character,
        // ~2 KB per character), so a file of odd keys made the reader allocate ~1.7 KB per byte of file
        List<Object> pieces = new ArrayList<>(List.of(HEAD, 3, 0L, 200L));
        for (int i = 0; i < 200; i++) {
            pieces.add("\u0000".repeat(36) + (char) ('A' + i % 26) + (char) ('A' + i / 26));
            pieces.add(0);
            pieces.add(new byte[] {1});
        }
        byte[] file = raw(pieces.toArray());
        Path f = Files.write(tmp.resolve("odd-keys.gguf"), file);
        GgufFile g = dev.vmbox.testing.ParserContract.of(file, 256 << 10, 64, ExitCode.BAD_INPUT)
                .check("GgufReader.readFile", () -> GgufReader.read(f));
        assertEquals(200, g.metadata().size());
    }

    @Test
    void wrongMagic() throws IOException {
        contains(bad(raw("GGML".getBytes(), 3, 0L, 0L)), "magic", "offset 0", "not a GGUF file");
        contains(bad(new byte[0]), "magic", "truncated");
    }

    @Test
    void unsupportedVersion() throws IOException {
        contains(bad(raw(HEAD, 1, 0L, 0L)), "version", "offset 4", "unsupported GGUF version 1");
    }

    @Test
    void everyTruncationOfAValidHeaderIsAClearError() throws IOException {
        byte[] h = new GgufWriter()
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("arr", GgufValueType.ARRAY, arr(GgufValueType.ARRAY, arr(GgufValueType.STRING, "x", "yy")))
                .tensor("w", GgmlType.F16, 8, 2)
                .header();
        for (int cut = 0; cut < h.length; cut++) {
            VmboxException e = bad(Arrays.copyOf(h, cut));
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("cannot fit"),
                    "cut at " + cut + ": " + e.getMessage());
        }
    }

    @Test
    void tensorDataPastTheEndOfTheFileIsTruncation() throws IOException {
        Path f = new GgufWriter().tensor("w", GgmlType.F32, 1024).write(tmp.resolve("x.gguf"));
        byte[] all = Files.readAllBytes(f);
        contains(bad(Arrays.copyOf(all, all.length - 1)), "tensor 'w' data", "past the end", "truncated");
    }

    @Test
    void hugeCountsAreRefusedBeforeAnyLoop() throws IOException {
        contains(bad(raw(HEAD, 3, -1L, 0L)), "tensor_count", "offset 8", "exceeds the limit");
        contains(bad(raw(HEAD, 3, 0L, -1L)), "metadata_kv_count", "offset 16", "exceeds the limit");
        contains(bad(raw(HEAD, 3, 0L, 60_000L)), "metadata_kv_count", "cannot fit");
        contains(bad(raw(HEAD, 3, 60_000L, 0L)), "tensor_count", "cannot fit");
        // an array that claims 4M elements in a tiny file
        contains(bad(raw(HEAD, 3, 0L, 1L, "k", 9, 4, 4_000_000L)), "value of 'k' length", "cannot fit");
        contains(bad(raw(HEAD, 3, 0L, 1L, "k", 9, 4, Long.MAX_VALUE)), "value of 'k' length", "exceeds the limit");
    }

    @Test
    void hugeStringLengthsAreRefused() throws IOException {
        contains(bad(raw(HEAD, 3, 0L, 1L, 1L << 40, new byte[32])), "metadata key #0 length", "offset 24", "exceeds the limit");
        contains(bad(raw(HEAD, 3, 0L, 1L, "k", 8, -1L)), "value of 'k' length", "exceeds the limit");
        contains(bad(raw(HEAD, 3, 0L, 1L, "k", 8, 1000L, "abc".getBytes())), "value of 'k'", "truncated");
    }

    @Test
    void deepArrayNestingIsRefused() throws IOException {
        GgufWriter.Arr deep = arr(GgufValueType.UINT8, 1);
        for (int i = 0; i < 10; i++) {
            deep = arr(GgufValueType.ARRAY, deep);
        }
        byte[] h = new GgufWriter().kv("deep", GgufValueType.ARRAY, deep).header();
        contains(bad(h), "value of 'deep'", "nested deeper than 4");
        // a self-similar bomb: each level claims one nested array, forever
        java.io.ByteArrayOutputStream bomb = new java.io.ByteArrayOutputStream();
        bomb.writeBytes(raw(HEAD, 3, 0L, 1L, "b", 9));
        byte[] level = raw(9, 1L);
        for (int i = 0; i < 100_000; i++) {
            bomb.writeBytes(level);
        }
        contains(bad(bomb.toByteArray()), "nested deeper");
    }

    @Test
    void nestedArraysCannotMultiplyWhatIsKeptInMemory() throws IOException {
        // 40 keys, each an array of 64 arrays of 64 arrays of 64 bytes: 10 M elements in ~11 MB of file
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(raw(HEAD, 3, 0L, 40L));
        byte[] inner = raw(0, 64L, new byte[64]);
        java.io.ByteArrayOutputStream mid = new java.io.ByteArrayOutputStream();
        mid.writeBytes(raw(9, 64L));
        for (int i = 0; i < 64; i++) {
            mid.writeBytes(inner);
        }
        byte[] midBytes = mid.toByteArray();
        for (int k = 0; k < 40; k++) {
            out.writeBytes(raw("k" + k, 9, 9, 64L));
            for (int i = 0; i < 64; i++) {
                out.writeBytes(midBytes);
            }
        }
        Path f = Files.write(tmp.resolve("wide.gguf"), out.toByteArray());
        GgufFile g = GgufReader.read(f);
        long kept = 0;
        for (Object v : g.metadata().values()) {
            kept += count(v);
        }
        assertTrue(kept <= GgufLimits.defaults().retainedTotal() + 40 * 64 * 2, "kept " + kept);
        assertEquals(64, g.array("k39").orElseThrow().length(), "still read to the end");
    }

    private static long count(Object v) {
        if (v instanceof GgufArray a) {
            long n = a.head().size();
            for (Object e : a.head()) {
                n += count(e);
            }
            return n;
        }
        return 0;
    }

    @Test
    void headerLargerThanTheBudgetIsRefused() throws IOException {
        List<Object> strs = new ArrayList<>(Collections.nCopies(1000, "0123456789"));
        byte[] h = new GgufWriter().kv("big", GgufValueType.ARRAY, new GgufWriter.Arr(GgufValueType.STRING, strs)).header();
        GgufLimits small = new GgufLimits(4096, 1 << 20, 1 << 20, 100, 100, 4, 8, 1000);
        contains(bad(h, small), "header limit");
    }

    @Test
    void otherInvalidFields() throws IOException {
        contains(bad(raw(HEAD, 3, 0L, 1L, "k", 99)), "type of 'k'", "unknown value type 99");
        contains(bad(raw(HEAD, 3, 0L, 1L, "k", 9, 77, 0L)), "unknown array element type 77");
        contains(bad(raw(HEAD, 3, 0L, 2L, "k", 4, 1, "k", 4, 2)), "duplicate key");
        contains(bad(raw(HEAD, 3, 0L, 1L, "", 4, 1)), "empty key");
        contains(bad(raw(HEAD, 3, 0L, 1L, "k", 7, new byte[] {5})), "boolean byte is 5");
        contains(bad(raw(HEAD, 3, 0L, 1L, "k", 8, 2L, new byte[] {(byte) 0xff, (byte) 0xfe})), "not valid UTF-8");
        contains(bad(raw(HEAD, 3, 0L, 1L, "general.alignment", 4, 3)), "general.alignment", "power of two");
        contains(bad(raw(HEAD, 3, 0L, 1L, "general.alignment", 8, "32")), "general.alignment", "got a value of type STRING");
        // found while writing the fuzz target: a string alignment went into the message whole and raw
        VmboxException text = bad(raw(HEAD, 3, 0L, 1L, "general.alignment", 8, "\u001b[2J" + "9".repeat(5000)));
        assertTrue(text.getMessage().chars().noneMatch(Character::isISOControl) && text.getMessage().length() < 300,
                text.getMessage());
        contains(bad(raw(HEAD, 3, 1L, 0L, "w", 5, 1L, 1L, 1L, 1L, 1L, 0, 0L)), "tensor 'w' n_dims", "not between 1 and 4");
        contains(bad(raw(HEAD, 3, 1L, 0L, "w", 1, 0L, 0, 0L)), "tensor 'w' dim 0", "not positive");
        contains(bad(raw(HEAD, 3, 1L, 0L, "w", 2, 1L << 40, 1L << 40, 0, 0L)), "element count overflows");
        contains(bad(raw(HEAD, 3, 1L, 0L, "w", 1, 32L, 4, 0L)), "unknown tensor type 4");
        contains(bad(raw(HEAD, 3, 1L, 0L, "w", 1, 33L, 8, 0L)), "not a multiple of the Q8_0 block size 32");
        contains(bad(raw(HEAD, 3, 1L, 0L, "w", 1, 32L, 0, 7L)), "not a multiple of the alignment");
    }

    @Test
    void randomCorruptionNeverEscapesAsAnythingButBadInput() throws IOException {
        byte[] good = new GgufWriter()
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("llama.block_count", GgufValueType.UINT32, 2)
                .kv("arr", GgufValueType.ARRAY, arr(GgufValueType.ARRAY, arr(GgufValueType.STRING, "x", "yy")))
                .kv("f", GgufValueType.FLOAT32, 1.0f)
                .tensor("a", GgmlType.Q4_0, 64, 2)
                .tensor("b", GgmlType.F16, 16)
                .header();
        Random r = new Random(7);
        Path f = tmp.resolve("fuzz.gguf");
        for (int i = 0; i < 400; i++) {
            byte[] b = good.clone();
            for (int k = 0; k < 1 + r.nextInt(4); k++) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            Files.write(f, b);
            try {
                GgufReader.read(f);
            } catch (VmboxException e) {
                assertEquals(ExitCode.BAD_INPUT, e.exitCode(), e.getMessage());
            }
        }
    }

    @Test
    void missingFileIsBadInput() {
        VmboxException e = assertThrows(VmboxException.class, () -> GgufReader.read(tmp.resolve("nope.gguf")));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
    }

    @Test
    void ggmlTypeSizes() {
        assertEquals(4.5, GgmlType.Q4_0.bitsPerWeight());
        assertEquals(8.5, GgmlType.Q8_0.bitsPerWeight());
        assertEquals(4.5, GgmlType.Q4_K.bitsPerWeight());
        assertEquals(6.5625, GgmlType.Q6_K.bitsPerWeight());
        assertEquals(-1, GgmlType.Q4_K.bytesFor(100));
    }
}
