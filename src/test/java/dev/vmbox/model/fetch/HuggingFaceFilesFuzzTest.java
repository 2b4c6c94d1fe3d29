package dev.vmbox.model.fetch;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmbox.ExitCode;
import dev.vmbox.download.Sha256;
import dev.vmbox.testing.ParserContract;
import java.util.Optional;

/**
 * Coverage-guided fuzzing of the Hugging Face API's tree listing parser (what the Hub answers decides
 * which sha256 a download is verified against). On any answer it finds the file's entry or not, or
 * refuses (FAILED: the API answered something that is not JSON) in one clear line; an entry it finds has
 * a valid sha256 or none, and a size that is a byte count or -1 (unknown).
 *
 * <p>Seeds and past findings: src/test/resources/dev/vmbox/model/fetch/HuggingFaceFilesFuzzTestInputs/readsListingOrRefuses.
 */
class HuggingFaceFilesFuzzTest {
    static final long ALLOCATION_PER_BYTE = 96;

    @FuzzTest
    void readsListingOrRefuses(byte[] data) {
        ParserContract contract = ParserContract.of(data, ParserContract.FIXED_ALLOCATION, ALLOCATION_PER_BYTE, ExitCode.FAILED);
        for (String file : new String[] {"m-Q4_K_M.gguf", "sub/x.gguf"}) {
            Optional<HuggingFaceFiles.Listed> listed = contract.check("HuggingFaceFiles.listed",
                    () -> HuggingFaceFiles.listed(data, file, "hf:org/repo/" + file));
            if (listed != null && listed.isPresent()) {
                HuggingFaceFiles.Listed l = listed.get();
                ParserContract.require((l.sha256() == null || Sha256.isValid(l.sha256())) && l.size() >= -1,
                        "the listing entry of " + file + " reads as", l);
            }
        }
    }
}
