package dev.vmbox.provider.lima;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Lima's logrus output read whole, in each form Lima prints (shapes from cmd/limactl/main.go and logrus). */
class LimaLogTest {
    /** Text lines, as Lima 2.2 prints them (backticks) and as 2.0/2.1 do (double quotes, escaped by logrus's %q). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "time=\"t\" level=fatal msg=\"did not receive an event with the `running` status\"|`running`",
        "time=\"t\" level=fatal msg=\"did not receive an event with the \\\"running\\\" status\"|\"running\""})
    void textLinesAreReadWholeInEachQuotingForm(String line, String word) {
        String stderr = "time=\"t\" level=info msg=\"[hostagent] Waiting for the essential requirement 1 of 2: `ssh`\"\n"
                + line + "\n";
        assertEquals("did not receive an event with the " + word + " status", LimaLog.failure(LimaLog.parse(stderr)));
    }

    /** Found by fuzzing: a message whose quoting decodes to line breaks still makes a one-line error. */
    @Test
    void aMessageWithEncodedLineBreaksIsOneLine() {
        assertEquals("first second", LimaLog.failure(LimaLog.parse("time=\"t\" level=fatal msg=\"first\\n second\"\n")));
        assertEquals("a b", LimaLog.failure(LimaLog.parse("{\"level\":\"error\",\"msg\":\"a\\r\\nb\"}\n")));
    }

    @Test
    void jsonLinesAreReadWhole() {
        String stderr = "{\"level\":\"info\",\"msg\":\"Starting the instance\",\"time\":\"2026-11-23T12:00:00Z\"}\n"
                + "{\"level\":\"fatal\",\"msg\":\"did not receive an event with the \\\"running\\\" status\",\"time\":\"2026-11-23T12:00:00Z\"}\n";
        assertEquals("did not receive an event with the \"running\" status", LimaLog.failure(LimaLog.parse(stderr)));
    }

    @Test
    void goEscapesAndBareValuesAreUnderstood() {
        List<LimaLog.Entry> e = LimaLog.parse("time=\"x\" level=error msg=\"a\\tb\\nc \\u00e9 \\x41 \\\\ end\"\n"
                + "level=warning msg=plain-word\n"
                + "not logrus at all\n");
        assertEquals(new LimaLog.Entry("error", "a\tb\nc \u00e9 A \\ end"), e.get(0));
        assertEquals(new LimaLog.Entry("warning", "plain-word"), e.get(1));
        assertEquals(new LimaLog.Entry("", "not logrus at all"), e.get(2));
        assertEquals("a\tb c \u00e9 A \\ end", LimaLog.failure(e), "the error is one line");
    }

    @Test
    void aMessageWithAStatusStructIsNotCutOff() {
        String msg = "exiting, status={Running:false Degraded:false Exiting:true Errors:[] SSHLocalPort:0} "
                + "(hint: see `/Users/a/.lima/vmbox-llm/ha.stderr.log`)";
        String stderr = "time=\"t\" level=fatal msg=\"" + msg + "\"\n";
        assertEquals(msg, LimaLog.failure(LimaLog.parse(stderr)));
    }

    @Test
    void theHostAgentLogNamesTheRequirementAndTheGuestsAnswer() {
        String ha = "{\"level\":\"info\",\"msg\":\"Waiting for the essential requirement 1 of 2: `ssh`\",\"time\":\"t\"}\n"
                + "{\"level\":\"debug\",\"msg\":\"stdout=``, stderr=\\\"lima@127.0.0.1: Permission denied (publickey).\\\\r\\\\n\\\", "
                + "err=failed to execute script \\\"ssh\\\": stdout=\\\"\\\", stderr=\\\"lima@127.0.0.1: Permission denied "
                + "(publickey).\\\\r\\\\n\\\": exit status 255\",\"time\":\"t\"}\n";
        String cause = LimaLog.cause(LimaLog.parse(ha)).orElseThrow();
        assertTrue(cause.contains("the essential requirement 1 of 2: `ssh`"), cause);
        assertTrue(cause.endsWith("the guest's last answer: lima@127.0.0.1: Permission denied (publickey)."), cause);
    }

    @Test
    void theDriversErrorIsTheCauseOfABrokenInstance() {
        String ha = "{\"level\":\"info\",\"msg\":\"Driver stopped due to error: `exit status 1`\",\"time\":\"t\"}\n";
        assertEquals("Driver stopped due to error: `exit status 1`", LimaLog.cause(LimaLog.parse(ha)).orElseThrow());
        assertTrue(LimaLog.cause(LimaLog.parse("{\"level\":\"info\",\"msg\":\"Starting QEMU\",\"time\":\"t\"}")).isEmpty());
    }
}
