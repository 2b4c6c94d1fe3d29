package dev.vmbox.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.VmboxException;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Debian's control-file format as apt and dpkg write it, read within bounds. */
class Deb822Test {
    static List<Map<String, String>> read(String text) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        Deb822.read(new StringReader(text), "test", out::add, n -> true);
        return out;
    }

    @Test
    void readsStanzasFieldsAndContinuationLines() throws IOException {
        List<Map<String, String>> s = read("Package: a\nVersion: 1:2.0-1\nDescription: one\n two\n .\n\n\nPackage: b\r\n");
        assertEquals(2, s.size());
        assertEquals("1:2.0-1", s.get(0).get("Version"));
        assertEquals("one\ntwo\n.", s.get(0).get("Description"));
        assertEquals("b", s.get(1).get("Package"));
        assertEquals(Map.of("Suite", "testing"), Deb822.first("Suite: testing\n\nSuite: other\n", "x"));
    }

    @Test
    void keepsOnlyTheFieldsAsked() throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        Deb822.read(new StringReader("Package: a\nDescription: long\n text\nSHA256: ab\n"), "t", out::add,
                n -> !n.equals("Description"));
        assertEquals(Map.of("Package", "a", "SHA256", "ab"), out.get(0));
    }

    @Test
    void malformedInputIsAClearErrorNeverAHang() {
        assertTrue(assertThrows(VmboxException.class, () -> read(" continuation first\n")).getMessage()
                .contains("continuation line 1 before any field"));
        assertTrue(assertThrows(VmboxException.class, () -> read("no colon here\n")).getMessage()
                .contains("line 1 is not 'Field: value'"));
        assertTrue(assertThrows(VmboxException.class, () -> read("A: " + "x".repeat(Deb822.MAX_LINE + 1))).getMessage()
                .contains("longer than"));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= Deb822.MAX_FIELDS; i++) {
            many.append("F").append(i).append(": v\n");
        }
        assertTrue(assertThrows(VmboxException.class, () -> read(many.toString())).getMessage().contains("more than"));
    }
}
