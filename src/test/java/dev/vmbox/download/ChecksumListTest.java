package dev.vmbox.download;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Publishers' checksum lists in the coreutils format, SHA-256 and SHA-512 entries alike. */
class ChecksumListTest {
    @Test
    void checksumListParsing() {
        ChecksumList l = ChecksumList.parse("# comment\n"
                + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 *a.img\n"
                + "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855  ./b.qcow2\n"
                + "garbage line\n");
        assertEquals(2, l.size());
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", l.digestOf("b.qcow2").orElseThrow().hex());
        assertTrue(l.digestOf("c").isEmpty());
    }

    @Test
    void theLengthOfAnEntryTellsItsAlgorithm() {
        String sha512 = java.util.HexFormat.of().formatHex(Digest.Algorithm.SHA512.newMessageDigest().digest(new byte[0]));
        ChecksumList l = ChecksumList.parse(sha512 + "  debian-12-genericcloud-amd64.qcow2\n"
                + Sha256.of(new byte[0]) + " *ubuntu.img\n"
                + "abc *short.img\n");
        assertEquals(new Digest(Digest.Algorithm.SHA512, sha512), l.digestOf("debian-12-genericcloud-amd64.qcow2").orElseThrow());
        assertEquals(Digest.Algorithm.SHA256, l.digestOf("ubuntu.img").orElseThrow().algorithm());
        assertTrue(l.digestOf("short.img").isEmpty(), "a digest of neither length is ignored");
    }
}
