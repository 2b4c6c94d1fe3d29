package dev.vmbox.provider.lima;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmbox.ExitCode;
import dev.vmbox.testing.ParserContract;
import java.util.List;

/**
 * Coverage-guided fuzzing of what vmbox reads from limactl: the JSON Lines of {@code list --format json}
 * and the logrus lines on its stderr. The list parser returns instances or refuses with FAILED in one
 * clear line (it never guesses a VM's state); the error reader always returns one line for the message
 * it goes into.
 *
 * <p>Seeds and past findings: src/test/resources/dev/vmbox/provider/lima/LimaOutputFuzzTestInputs/readsOrRefuses.
 */
class LimaOutputFuzzTest {
    @FuzzTest
    void readsOrRefuses(byte[] data) {
        ParserContract contract = ParserContract.of(data, ParserContract.FIXED_ALLOCATION,
                ParserContract.TEXT_ALLOCATION_PER_BYTE, ExitCode.FAILED);
        String out = contract.text();

        List<LimaInstance> list = contract.check("LimaOutput.parseList", () -> LimaOutput.parseList(out));
        for (LimaInstance i : list == null ? List.<LimaInstance>of() : list) {
            ParserContract.require(i.name() != null && i.status() != null && i.sshAddress() != null && i.message() != null,
                    "limactl list read as", i);
            contract.check("LimaOutput.state", () -> LimaOutput.state(i.status()));
        }
        String message = contract.check("LimaLog.failure", () -> LimaLog.failure(LimaLog.parse(out)));
        ParserContract.require(message != null && message.lines().count() <= 1, "limactl's stderr read as the message",
                message);
        java.util.Optional<String> cause = contract.check("LimaLog.cause", () -> LimaLog.cause(LimaLog.parse(out)));
        ParserContract.require(cause == null || cause.orElse("").lines().count() <= 1, "ha.stderr.log read as the cause",
                cause);
    }
}
