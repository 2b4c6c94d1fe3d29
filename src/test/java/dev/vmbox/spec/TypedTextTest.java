package dev.vmbox.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import org.junit.jupiter.api.Test;

/** A typed value is taken exactly: nothing around it, no control or formatting character in it, one line. */
class TypedTextTest {
    @Test
    void aCleanValueIsReturnedUnchanged() {
        for (String v : new String[] {"sealed", "8 GiB", "/models/my model.gguf", "qemu+ssh://u@h/system?keyfile=/k", "x"}) {
            assertEquals(v, TypedText.of(v, "--x"));
        }
    }

    @Test
    void spacesAroundLineBreaksControlAndFormattingCharactersAreRefusedOnOneLine() {
        String[][] cases = {{"sealed ", "has a space after it"}, {" sealed", "has a space before it"},
            {"sealed\n", "holds a line break"}, {"a\r\nb", "holds a line break"}, {"a\u2028b", "holds a line break"},
            {"a\tb", "control character (U+0009)"}, {"a\0b", "control character (U+0000)"},
            {"a\u202Eb", "invisible formatting character (U+202E)"}, {"\u00A0x", "has a space before it"},
            {"", "is empty"}, {"x".repeat(TypedText.MAX_LENGTH + 1), "longer than"}};
        for (String[] c : cases) {
            VmboxException e = assertThrows(VmboxException.class, () -> TypedText.of(c[0], "--egress"));
            assertEquals(ExitCode.BAD_INPUT, e.exitCode());
            assertTrue(e.getMessage().startsWith("--egress") && e.getMessage().contains(c[1]), e.getMessage());
            assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), "one line: " + e.getMessage());
        }
        assertThrows(VmboxException.class, () -> TypedText.of(null, "--egress"));
    }
}
