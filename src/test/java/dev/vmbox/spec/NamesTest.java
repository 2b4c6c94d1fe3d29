package dev.vmbox.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "llm", "qwen-7b", "a1", "x-y-z"})
    void acceptsDnsLabels(String name) {
        assertEquals(name, Names.instanceName(name));
        assertEquals(name, Names.hostname(name));
    }

    @Test
    void instanceNamesTakeFortyButHostnamesSixtyThree() {
        String ok = "a".repeat(InstanceName.MAX_LENGTH);
        assertEquals(ok, Names.instanceName(ok));
        assertThrows(VmboxException.class, () -> Names.instanceName(ok + "a"));
        assertEquals("a".repeat(63), Names.hostname("a".repeat(63)));
        assertThrows(VmboxException.class, () -> Names.hostname("a".repeat(64)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "A", "1a", "-a", "a-", "_a", "a_b", "a.b", "a b", "a\n", "ä", "a:b", "a#", "a'"})
    void refusesEverythingElse(String bad) {
        VmboxException e = assertThrows(VmboxException.class, () -> Names.instanceName(bad));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.hint().contains("lower-case"));
    }

    @Test
    void nullIsRefusedToo() {
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> Names.hostname(null)).exitCode());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> Names.adminUser(null)).exitCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"root", "nobody", "sshd", "vmbox-ollama", "ubuntu", "Admin", "a.b", "a b", "9a"})
    void adminUserRefusesSystemAndMalformedNames(String bad) {
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> Names.adminUser(bad)).exitCode());
    }

    @Test
    void forMessageShortensAndEscapes() {
        assertEquals("'a\\u000ab\\u0027'", Names.forMessage("a\nb'"));
        String long1 = Names.forMessage("x".repeat(1000));
        assertTrue(long1.endsWith("… (1000 characters)") && long1.length() < 70, long1);
        assertEquals("(none)", Names.forMessage(null));
    }
}
