package dev.vmbox.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KnownHostsTest {
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFTq+7spsLQW0ODFMsZfDtkjsww4g3UJ+2FLClTbxco7 c@x";
    static final String BARE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFTq+7spsLQW0ODFMsZfDtkjsww4g3UJ+2FLClTbxco7";

    @Test
    void linesUseOpenSshHostPatterns() {
        assertEquals("[127.0.0.1]:2222 " + BARE, KnownHosts.line("127.0.0.1", 2222, KEY));
        assertEquals("vmbox-llm " + BARE, KnownHosts.line("vmbox-llm", 22, KEY));
        assertEquals("[::1]:22 " + BARE, KnownHosts.line("::1", 22, KEY));
    }

    @Test
    void writesOneLineFileThatRealSshKeygenFinds(@TempDir Path dir) throws IOException {
        SshKeysTest.needsSshKeygen();
        Path file = dir.resolve("known_hosts");
        KnownHosts.write(file, "127.0.0.1", 2222, KEY);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(1, Files.readAllLines(file).size());
        CommandResult found = SshKeysTest.RUNNER.run(Command.of(Duration.ofSeconds(30), "ssh-keygen", "-F",
                "[127.0.0.1]:2222", "-f", file.toString()));
        assertTrue(found.stdout().contains(BARE), found.stdout());
        CommandResult other = SshKeysTest.RUNNER.run(Command.of(Duration.ofSeconds(30), "ssh-keygen", "-F",
                "[127.0.0.1]:2223", "-f", file.toString()).allowExitCodes(1));
        assertEquals(1, other.exitCode(), "no other port is pinned");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "host\n[evil]:22", "", "*", "@cert-authority", "h,i", "[127.0.0.1]:22", "-oProxyCommand=x"})
    void refusesBadHosts(String host) {
        VmboxException e = assertThrows(VmboxException.class, () -> KnownHosts.line(host, 22, KEY));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
    }

    @Test
    void refusesBadPortsAndKeys() {
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> KnownHosts.line("h", 0, KEY)).exitCode());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> KnownHosts.line("h", 65536, KEY)).exitCode());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class,
                () -> KnownHosts.line("h", 22, KEY + "\nevil ssh-ed25519 AAAA")).exitCode());
    }
}
