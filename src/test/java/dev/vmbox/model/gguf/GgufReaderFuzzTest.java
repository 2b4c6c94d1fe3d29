package dev.vmbox.model.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmbox.ExitCode;
import dev.vmbox.model.ModelInfo;
import dev.vmbox.testing.ParserContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the GGUF header reader (a model file is outside data: a download, a
 * registry blob, a user's file). Each input is written to a file and read three ways: whole with the
 * default limits, whole with small limits (so the fuzzer reaches every limit with small inputs), and as
 * the fetched prefix of a larger remote file; a header that reads is then turned into sizing facts, as
 * {@code create} does. Each read returns or refuses with BAD_INPUT in one clear line (ParserContract) and
 * allocates at most 256 KiB (its 64 KiB buffer and an exception) plus 64 bytes per input byte.
 *
 * <p>Seeds and past findings: src/test/resources/dev/vmbox/model/gguf/GgufReaderFuzzTestInputs/readsOrRefuses.
 */
class GgufReaderFuzzTest {
    /** Tiny limits: every count and length check is reachable with a few hundred bytes. */
    static final GgufLimits SMALL = new GgufLimits(2048, 48, 64, 24, 16, 2, 4, 32);
    /** The reader's 64 KiB buffer, an exception with its stack, the result's fixed parts. */
    static final long FIXED_ALLOCATION = 256 << 10;
    /** Per input byte: a string's bytes and its decoded copy; a boxed number per 1-byte array element. */
    static final long ALLOCATION_PER_BYTE = 64;

    @FuzzTest
    void readsOrRefuses(byte[] data) throws IOException {
        Path file = ParserContract.scratchDir().resolve("input.gguf");
        Files.write(file, data);
        ParserContract contract = ParserContract.of(data, FIXED_ALLOCATION, ALLOCATION_PER_BYTE, ExitCode.BAD_INPUT);

        GgufFile whole = contract.check("GgufReader.readFile", () -> new GgufReader().readFile(file));
        if (whole != null) {
            contract.check("ModelInfo.fromGguf", () -> ModelInfo.fromGguf(whole, "input.gguf"));
        }
        contract.check("GgufReader.readFile (small limits)", () -> new GgufReader(SMALL).readFile(file));
        GgufFile prefix = contract.check("GgufReader.readPrefix",
                () -> new GgufReader().readPrefix(file, data.length + (1L << 30), "remote.gguf"));
        if (prefix != null) {
            contract.check("ModelInfo.fromGguf (prefix)", () -> ModelInfo.fromGguf(prefix, "remote.gguf"));
        }
    }
}
