package dev.vmbox.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import org.junit.jupiter.api.Test;

class SpecTest {
    @Test
    void byteSizesParseBinaryUnits() {
        assertEquals(2L * ByteSize.GIB, ByteSize.parse("2GiB").bytes());
        assertEquals(2L * ByteSize.GIB, ByteSize.parse("2G").bytes());
        assertEquals(2L * ByteSize.GIB, ByteSize.parse("2 gb").bytes());
        assertEquals(512L * ByteSize.MIB, ByteSize.parse("512MiB").bytes());
        assertEquals(1536L * ByteSize.MIB, ByteSize.parse("1.5G").bytes());
        assertEquals(4096, ByteSize.parse("4096").bytes());
        assertEquals("1536MiB", ByteSize.parse("1.5GiB").toString());
        assertEquals("40GiB", ByteSize.ofGiB(40).toString());
        assertEquals(2L * 1024 * 1024, ByteSize.ofGiB(2).kib());
    }

    @Test
    void badSizesAreBadInput() {
        for (String bad : new String[] {"", "GiB", "-1G", "2X", "1e9", "99999999999T", "2 i"}) {
            VmboxException e = assertThrows(VmboxException.class, () -> ByteSize.parse(bad), bad);
            assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        }
    }

    @Test
    void gpuRequests() {
        assertEquals(GpuRequest.NONE, GpuRequest.parse("none"));
        assertEquals(GpuRequest.NONE, GpuRequest.parse(""));
        assertEquals(GpuRequest.AUTO, GpuRequest.parse("AUTO"));
        assertEquals("0000:01:00.0", GpuRequest.parse("01:00.0").address());
        assertEquals("0000:0a:00.1", GpuRequest.parse("0000:0A:00.1").address());
        assertFalse(GpuRequest.NONE.wanted());
        assertTrue(GpuRequest.AUTO.wanted());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> GpuRequest.parse("gpu0")).exitCode());
        assertThrows(VmboxException.class, () -> GpuRequest.parse("01:00.8"));
    }

    @Test
    void vmSpecValidates() {
        VmSpec s = VmSpec.of("llm-1", 4, ByteSize.ofGiB(8), ByteSize.ofGiB(40));
        assertEquals(VmSpec.DEFAULT_IMAGE, s.image());
        assertEquals(EgressPolicy.SEALED, s.egress());
        assertEquals(GpuRequest.NONE, s.gpu());
        assertEquals("ubuntu-24.04", s.withImage("ubuntu-24.04").image());
        for (String bad : new String[] {"", "-x", "Upper", "a_b", "x".repeat(41), "../x", "_config"}) {
            assertThrows(VmboxException.class, () -> VmSpec.of(bad, 1, ByteSize.ofGiB(1), ByteSize.ofGiB(4)), bad);
        }
        assertThrows(VmboxException.class, () -> VmSpec.of("a", 0, ByteSize.ofGiB(1), ByteSize.ofGiB(4)));
        assertThrows(VmboxException.class, () -> VmSpec.of("a", 1, ByteSize.ofMiB(256), ByteSize.ofGiB(4)));
        assertThrows(VmboxException.class, () -> VmSpec.of("a", 1, ByteSize.ofGiB(1), ByteSize.ofGiB(1)));
    }
}
