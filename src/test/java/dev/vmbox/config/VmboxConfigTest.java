package dev.vmbox.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmboxConfigTest {
    @TempDir
    Path tmp;

    @Test
    void layersDefaultsFileEnvAndFlags() throws Exception {
        Path file = tmp.resolve("config.yaml");
        Files.writeString(file, "libvirt:\n  uri: qemu+ssh://gpu1/system\nruntime: llama.cpp\negress: open\n");
        VmboxConfig c = VmboxConfig.load(file, Map.of("VMBOX_EGRESS", "fetch-window", "OTHER", "x"));
        assertEquals("sealed", VmboxConfig.load(null, Map.of()).get("egress"));
        assertEquals("qemu+ssh://gpu1/system", c.get("libvirt.uri"));
        assertTrue(c.setting("libvirt.uri").origin().startsWith("file "));
        assertEquals("llama.cpp", c.get("runtime"));
        assertEquals("fetch-window", c.get("egress"));
        assertEquals("env VMBOX_EGRESS", c.setting("egress").origin());
        assertEquals("ollama", c.withFlag("runtime", "ollama", "--runtime").get("runtime"));
        assertEquals("flag --runtime", c.withFlag("runtime", "ollama", "--runtime").setting("runtime").origin());
        assertEquals("127.0.0.1", c.get("tunnel.bind"));
        assertEquals("VMBOX_LIBVIRT_URI", VmboxConfig.envName("libvirt.uri"));
    }

    @Test
    void unknownKeysAreErrorsNotSilentNoOps() throws Exception {
        Path file = tmp.resolve("config.yaml");
        Files.writeString(file, "libvirt:\n  url: qemu:///system\n");
        VmboxException e = assertThrows(VmboxException.class, () -> VmboxConfig.load(file, Map.of()));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("libvirt.url"), e.getMessage());
    }

    @Test
    void brokenYamlNamesTheFileAndLine() throws Exception {
        Path file = tmp.resolve("config.yaml");
        Files.writeString(file, "provider: libvirt\nruntime: [unclosed\n");
        VmboxException e = assertThrows(VmboxException.class, () -> VmboxConfig.load(file, Map.of()));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("line"), e.getMessage());
        Files.writeString(file, "- just\n- a list\n");
        assertThrows(VmboxException.class, () -> VmboxConfig.load(file, Map.of()));
        Files.writeString(file, "runtime:\n  - a\n");
        assertThrows(VmboxException.class, () -> VmboxConfig.load(file, Map.of()));
    }

    @Test
    void emptyFileIsFine() throws Exception {
        Path file = tmp.resolve("config.yaml");
        Files.writeString(file, "# nothing yet\n");
        assertEquals("auto", VmboxConfig.load(file, Map.of()).get("provider"));
    }
}
