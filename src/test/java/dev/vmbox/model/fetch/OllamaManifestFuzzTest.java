package dev.vmbox.model.fetch;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmbox.ExitCode;
import dev.vmbox.download.Sha256;
import dev.vmbox.testing.ParserContract;

/**
 * Coverage-guided fuzzing of the Ollama registry manifest parser: the manifest is what a registry (or
 * anyone between it and vmbox) answers, and its digests become file names, so a manifest that parses must
 * name every blob by exactly {@code sha256:<64 hex>} (no path can come out of it), with sizes that add up
 * without overflow and a model layer. Anything else is refused with BAD_INPUT in one clear line.
 *
 * <p>Seeds and past findings: src/test/resources/dev/vmbox/model/fetch/OllamaManifestFuzzTestInputs/parsesOrRefuses.
 */
class OllamaManifestFuzzTest {
    static final long ALLOCATION_PER_BYTE = 96;

    @FuzzTest
    void parsesOrRefuses(byte[] data) {
        OllamaManifest m = ParserContract.of(data, ParserContract.FIXED_ALLOCATION, ALLOCATION_PER_BYTE, ExitCode.BAD_INPUT)
                .check("OllamaManifest.parse", () -> OllamaManifest.parse(data, "library/m:tag"));
        if (m == null) {
            return;
        }
        for (OllamaManifest.Layer l : m.blobs()) {
            ParserContract.require(l.digest().startsWith("sha256:") && Sha256.isValid(l.sha256())
                    && l.blobFileName().matches("sha256-[0-9a-f]{64}") && l.size() >= 0, "a parsed manifest holds the blob", l);
        }
        ParserContract.require(m.modelLayer().isPresent() && m.totalBytes() >= 0 && m.digest().equals(Sha256.of(data)),
                "a parsed manifest has no model layer, a negative total or the wrong digest", m.digest());
    }
}
