package dev.vmbox.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValueTypesTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "llm", "qwen-7b", "a1", "a-1-b", "abcdefghijabcdefghijabcdefghijabcdefghij",
        "a-bcdefghijabcdefghijabcdefghijabcdefgh9"})
    void instanceNamesThatFollowTheRule(String name) {
        assertEquals(name, InstanceName.of(name).value());
        assertTrue(InstanceName.isValid(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1abc", "-a", "a-", "A", "a_b", "a.b", "llm ", " llm", "llm\n", "a/b", "..",
        "abcdefghijabcdefghijabcdefghijabcdefghijk", "é", "a--b", "llm--7b"})
    void instanceNamesThatBreakTheRule(String name) {
        VmboxException e = assertThrows(VmboxException.class, () -> InstanceName.of(name));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.hint().contains(InstanceName.RULE));
        assertFalse(InstanceName.isValid(name));
    }

    @Test
    void vmSpecAndNamesShareTheRule() {
        assertThrows(VmboxException.class, () -> VmSpec.of("1abc", 1, ByteSize.ofGiB(1), ByteSize.ofGiB(4)));
        assertThrows(VmboxException.class, () -> Names.instanceName("a".repeat(41)));
        assertEquals("a".repeat(40), Names.instanceName("a".repeat(40)));
    }

    @Test
    void apiAddressIsLoopbackUnlessExposed() {
        ApiAddress a = ApiAddress.loopback(11434);
        assertEquals("http://127.0.0.1:11434", a.url());
        assertTrue(a.loopback());
        assertEquals("http://[::1]:8080", new ApiAddress("::1", 8080, false).url());
        assertThrows(VmboxException.class, () -> new ApiAddress("192.0.2.7", 80, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "127.0.0.1 ", " 127.0.0.1", "127.0.0.1\n", "example.com", "", "1.2.3",
        "0.0.0.0", "::", "300.1.1.1"})
    void apiAddressRefusesNamesSpacesWildcardsAndNonsense(String literal) {
        VmboxException e = assertThrows(VmboxException.class, () -> new ApiAddress(literal, 80, true));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
    }

    @Test
    void anExposedAddressMustBeThisHosts() {
        // 192.0.2.0/24 is TEST-NET-1: never an address of this host
        VmboxException e = assertThrows(VmboxException.class, () -> new ApiAddress("192.0.2.7", 80, true));
        assertTrue(e.getMessage().contains("not an address of this host"), e.getMessage());
        assertTrue(new ApiAddress("127.0.0.1", 80, true).loopback());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65536})
    void portsOutsideTheRange(int port) {
        assertThrows(VmboxException.class, () -> ApiAddress.loopback(port));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8GiB ", " 8GiB", "8GiB\n", "8 GiB\n"})
    void sizesWithSurroundingWhitespaceAreRefused(String text) {
        assertThrows(VmboxException.class, () -> ByteSize.parse(text));
    }
}
