package dev.vmbox.app.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.ssh.SshTarget;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the API tunnel of an instance carries, and how its agent is started. */
class ApiTunnelTest {
    @TempDir
    Path tmp;

    private SshTarget target() {
        return new SshTarget("127.0.0.1", 2222, "vmbox", tmp.resolve("key"),
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl");
    }

    @Test
    void loopbackBindsStayLoopbackAndOthersAreExposures() {
        SshTarget t = target();
        TunnelSettings six = ApiTunnel.settings("x", t, "::1", 11434, 11434, RuntimeKind.OLLAMA);
        assertEquals("::1", six.bindAddress());
        assertTrue(six.exposureWarning().isEmpty());
        TunnelSettings other = ApiTunnel.settings("x", t, "127.0.0.2", 11434, 11434, RuntimeKind.OLLAMA);
        assertEquals("127.0.0.2", other.bindAddress());
        TunnelSettings lan = ApiTunnel.settings("x", t, "192.0.2.10", 11434, 11434, RuntimeKind.OLLAMA);
        assertTrue(lan.exposureWarning().isPresent());
    }

    @Test
    void theBindAddressMustBeAnIpLiteral() {
        for (String bad : new String[] {"localhost", "example.org", " 127.0.0.1", "127.0.0.1\n"}) {
            VmboxException e = assertThrows(VmboxException.class, () -> ApiTunnel.settings("x", target(), bad, 11434, 11434, RuntimeKind.OLLAMA));
            assertEquals(ExitCode.BAD_INPUT, e.exitCode(), bad);
        }
    }

    @Test
    void theAgentRunsWithTheHomeOfTheTunnelAndTheApiHasAUrl() {
        Path state = tmp.resolve("home/llm/tunnel");
        assertEquals(List.of("java", "-cp", "x.jar", "Main", "tunnel", "run", tmp.resolve("home").toAbsolutePath().toString()),
                ApiTunnel.agentCommand(List.of("java", "-cp", "x.jar", "Main", "tunnel", "run"), state));
        assertEquals("http://127.0.0.1:11434", ApiTunnel.url("127.0.0.1", 11434));
        assertEquals("http://[::1]:8080", ApiTunnel.url("::1", 8080));
    }
}
