package dev.vmbox.provider.lima;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.VmboxException;
import dev.vmbox.provider.VmState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The documented JSON Lines of {@code limactl list --format json} (Lima 2.x) and its error lines. */
class LimaOutputTest {
    static final String LINE = "{\"name\":\"vmbox-llm\",\"hostname\":\"lima-vmbox-llm\",\"status\":\"Running\","
            + "\"dir\":\"/Users/me/.lima/vmbox-llm\",\"vmType\":\"vz\",\"arch\":\"aarch64\",\"cpus\":4,"
            + "\"memory\":8589934592,\"disk\":53687091200,\"sshLocalPort\":52113,"
            + "\"sshConfigFile\":\"/Users/me/.lima/vmbox-llm/ssh.config\",\"hostAgentPID\":4242,"
            + "\"sshAddress\":\"127.0.0.1\",\"protected\":false,\"limaVersion\":\"2.2.0\",\"config\":{\"plain\":true},"
            + "\"HostOS\":\"darwin\",\"HostArch\":\"aarch64\",\"LimaHome\":\"/Users/me/.lima\","
            + "\"IdentityFile\":\"/Users/me/.lima/_config/user\"}";

    @Test
    void jsonLines() {
        String two = LINE + "\n" + "{\"name\":\"default\",\"status\":\"Stopped\",\"dir\":\"d\",\"vmType\":\"qemu\","
                + "\"arch\":\"x86_64\",\"protected\":false,\"limaVersion\":\"2.2.0\"}\n\n";
        List<LimaInstance> l = LimaOutput.parseList(two);
        assertEquals(2, l.size());
        LimaInstance a = l.get(0);
        assertEquals("vmbox-llm", a.name());
        assertEquals(52113, a.sshLocalPort());
        assertEquals("127.0.0.1", a.sshAddress());
        assertEquals(8589934592L, a.memoryBytes());
        assertEquals(4, a.cpus());
        assertEquals(0, l.get(1).sshLocalPort());
        assertEquals(List.of(), LimaOutput.parseList(""));
    }

    @Test
    void statuses() {
        assertEquals(VmState.RUNNING, LimaOutput.state("Running"));
        assertEquals(VmState.STOPPED, LimaOutput.state("Stopped"));
        assertEquals(VmState.STARTING, LimaOutput.state("Installing"));
        assertEquals(VmState.STOPPED, LimaOutput.state("Uninitialized"));
        assertEquals(VmState.BROKEN, LimaOutput.state("Broken"));
        assertEquals(VmState.BROKEN, LimaOutput.state(""));
    }

    @Test
    void prettyPrintedOrGarbageOutputIsRefused() {
        for (String bad : new String[] {"{\n  \"name\": \"x\"\n}", "not json", "[1,2]", "{\"status\":\"Running\"}"}) {
            VmboxException e = assertThrows(VmboxException.class, () -> LimaOutput.parseList(bad), bad);
            assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
        }
    }

    @Test
    void logrusMessagesAreReadWhole() {
        String err = "time=\"2026-11-23T12:00:00Z\" level=info msg=\"starting\"\n"
                + "time=\"2026-11-23T12:00:01Z\" level=fatal msg=\"instance \\\"vmbox-llm\\\" already exists\"\n";
        assertEquals("instance \"vmbox-llm\" already exists", LimaLog.failure(LimaLog.parse(err)));
        assertEquals("plain text", LimaLog.failure(LimaLog.parse("noise\nplain text\n")));
        assertEquals("", LimaLog.failure(LimaLog.parse("")));
        // fuzzing found: an unterminated msg="... must not run on over the next lines into the one-line error
        assertEquals("instance", LimaLog.failure(LimaLog.parse("level=fatal msg=\"instance\nnext line\n")));
        // fuzzing found: stderr of only U+0085 (a line break String.isBlank does not count as blank) threw
        // ArrayIndexOutOfBoundsException
        assertEquals("", LimaLog.failure(LimaLog.parse("\u0085")));
        assertEquals("", LimaLog.failure(LimaLog.parse("\u2028\n\u2029")));
    }

    @Test
    void theInstanceFolderAndTheUserLimaLogsInAsAreRead() {
        LimaInstance a = LimaOutput.parseList("{\"name\":\"vmbox-llm\",\"status\":\"Stopped\",\"dir\":\"/Users/me/.lima/vmbox-llm\","
                + "\"message\":\"vmbox instance 'llm': made by vmbox\",\"config\":{\"user\":{\"name\":\"lima\"}}}").get(0);
        assertEquals("/Users/me/.lima/vmbox-llm", a.dir());
        assertEquals("lima", a.userName());
        assertEquals(java.util.Optional.of("llm"), LimaTemplate.markedInstance(a.message()));
        assertEquals("", LimaOutput.parseList(LINE).get(0).userName());
    }
}
