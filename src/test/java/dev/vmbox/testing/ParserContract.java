package dev.vmbox.testing;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The contract every parser of outside data keeps, checked by the fuzz tests (*FuzzTest) on one input
 * each: the parser returns a value or throws a {@link VmboxException} with an expected exit code whose
 * message and hint are one clear line each (no control characters, so a hostile value cannot forge or
 * garble the output; at most {@value #MAX_MESSAGE} characters, so it cannot flood it), and it allocates
 * at most a stated fixed number of bytes plus a stated number per input byte (the heap bytes the calling
 * thread allocated while it ran): a large allocation from a small input is a finding.
 *
 * <p>Any other exception, including an {@link Error}, propagates unchanged: the fuzzer reports it as a
 * finding with its stack. A broken contract is an {@link AssertionError}. A hang is caught by the
 * fuzzer's per-input timeout.
 */
public final class ParserContract {
    /** The longest message a parser may produce: a field name or offset, not a copy of its input. */
    public static final int MAX_MESSAGE = 600;

    /**
     * What a parse that uses regular expressions or Jackson may allocate whatever its input: its own
     * buffers, an exception with its stack, and what the fuzzer's hooks allocate around regular
     * expressions and string comparisons (measured up to ~420 KiB).
     */
    public static final long FIXED_ALLOCATION = 1 << 20;

    /**
     * Per input byte, for parsers of a command's text output: splitting it into lines and fields allocates
     * about 120 bytes per input byte (measured), and in the fuzzing JVM Jazzer's hooks allocate about ten
     * times that around each string comparison, in the same thread.
     */
    public static final long TEXT_ALLOCATION_PER_BYTE = 2048;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static Path scratch;

    private final byte[] input;
    private final long maxAllocatedBytes;
    private final Set<ExitCode> refusals;

    private ParserContract(byte[] input, long fixed, long perByte, Set<ExitCode> refusals) {
        this.input = input;
        this.maxAllocatedBytes = fixed + perByte * input.length;
        this.refusals = refusals;
    }

    /**
     * @param input     the fuzzer's input
     * @param fixed     heap bytes a parse may allocate whatever its input (e.g. {@link #FIXED_ALLOCATION})
     * @param perByte   heap bytes a parse may allocate per input byte, above {@code fixed}
     * @param refusal   the exit code a refusal carries
     * @param refusals  further exit codes a refusal may carry
     */
    public static ParserContract of(byte[] input, long fixed, long perByte, ExitCode refusal, ExitCode... refusals) {
        Set<ExitCode> codes = new HashSet<>(Set.of(refusals));
        codes.add(refusal);
        return new ParserContract(input, fixed, perByte, Set.copyOf(codes));
    }

    /** The input as a command's output: decoded as UTF-8, malformed bytes replaced, as the runner reads it. */
    public String text() {
        return new String(input, StandardCharsets.UTF_8);
    }

    /**
     * Runs {@code parse} under the contract.
     *
     * @param what what is parsed, for the assertion messages
     * @return the parsed value, or null when the parser refused the input
     */
    public <T> T check(String what, Supplier<T> parse) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        T value = run(what, parse);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        if (allocated > maxAllocatedBytes) {
            // the first call of a code path loads and links classes (string concatenation's bootstrap
            // alone allocates megabytes): a parser is deterministic, so the warm second run is the measure
            before = THREADS.getCurrentThreadAllocatedBytes();
            run(what, parse);
            allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            if (allocated > maxAllocatedBytes) {
                throw new AssertionError(what + " allocated " + allocated + " bytes from " + input.length
                        + " input bytes, more than its limit of " + maxAllocatedBytes);
            }
        }
        return value;
    }

    /** A property of what a parser returned: its breach is a finding. */
    public static void require(boolean holds, String what, Object value) {
        if (!holds) {
            throw new AssertionError(what + ": " + value);
        }
    }

    private <T> T run(String what, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (VmboxException e) {
            if (!refusals.contains(e.exitCode())) {
                throw new AssertionError(what + " refused with exit code " + e.exitCode() + ", expected one of "
                        + refusals, e);
            }
            oneLine(what + " message", e.getMessage(), e);
            oneLine(what + " hint", e.hint(), e);
            return null;
        }
    }

    private static void oneLine(String what, String text, Throwable e) {
        if (text == null || text.isBlank()) {
            throw new AssertionError(what + " is empty", e);
        }
        if (text.length() > MAX_MESSAGE) {
            throw new AssertionError(what + " is " + text.length() + " characters long (at most " + MAX_MESSAGE
                    + "): " + text.substring(0, 200) + "...", e);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                throw new AssertionError(what + " holds the control character U+"
                        + String.format("%04X", (int) c) + " at index " + i, e);
            }
        }
    }

    /**
     * A folder for the files a fuzz target writes, once per execution: in memory (/dev/shm) where the host
     * has it, as a write to disk costs more than the parse; removed when the JVM exits.
     */
    public static synchronized Path scratchDir() {
        if (scratch == null) {
            try {
                Path shm = Path.of("/dev/shm");
                scratch = Files.isDirectory(shm) && Files.isWritable(shm)
                        ? Files.createTempDirectory(shm, "vmbox-fuzz-")
                        : Files.createTempDirectory("vmbox-fuzz-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path dir = scratch;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        }
        return scratch;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder: the system cleans it up
        }
    }
}
