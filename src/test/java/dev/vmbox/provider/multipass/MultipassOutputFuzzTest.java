package dev.vmbox.provider.multipass;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmbox.ExitCode;
import dev.vmbox.testing.ParserContract;
import java.util.List;
import java.util.Optional;

/**
 * Coverage-guided fuzzing of what vmbox reads from multipass: {@code list --format json} and
 * {@code info --format json}. Each returns instances (or none) or refuses with FAILED in one clear line;
 * an instance read has a name, a state and no negative count or size.
 *
 * <p>Seeds and past findings: src/test/resources/dev/vmbox/provider/multipass/MultipassOutputFuzzTestInputs/readsOrRefuses.
 */
class MultipassOutputFuzzTest {
    @FuzzTest
    void readsOrRefuses(byte[] data) {
        ParserContract contract = ParserContract.of(data, ParserContract.FIXED_ALLOCATION,
                ParserContract.TEXT_ALLOCATION_PER_BYTE, ExitCode.FAILED);
        String out = contract.text();

        List<MultipassInstance> list = contract.check("MultipassOutput.parseList", () -> MultipassOutput.parseList(out));
        (list == null ? List.<MultipassInstance>of() : list).forEach(MultipassOutputFuzzTest::sane);
        Optional<MultipassInstance> info = contract.check("MultipassOutput.parseInfo",
                () -> MultipassOutput.parseInfo(out, "vmbox-llm"));
        (info == null ? Optional.<MultipassInstance>empty() : info).ifPresent(MultipassOutputFuzzTest::sane);
    }

    private static void sane(MultipassInstance i) {
        ParserContract.require(i.name() != null && i.state() != null && i.cpuCount() >= 0 && i.memoryTotal() >= 0
                && i.diskTotal() >= 0, "multipass output read as", i);
        MultipassOutput.state(i.state());
    }
}
