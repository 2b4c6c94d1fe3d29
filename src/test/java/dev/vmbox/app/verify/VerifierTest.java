package dev.vmbox.app.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.app.tunnel.TunnelStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifierTest {
    @TempDir
    Path tmp;

    @Test
    void parsesProbeLinesAndIgnoresNoise() {
        List<Promise> p = Verifier.parse("noise\nPROBE egress PASS refused (tried 10.0.2.2:80)\nPROBE loopback FAIL 0.0.0.0:5355\n");
        assertEquals(2, p.size());
        assertEquals(Promise.Result.PASS, p.get(0).result());
        assertEquals("loopback", p.get(1).id());
        assertEquals(Promise.Result.FAIL, p.get(1).result());
    }

    @Test
    void tunnelOnLoopbackPassesAndBeyondFailsUnlessExposedOnPurpose() {
        TunnelStatus up = new TunnelStatus(true, 42, "127.0.0.1:11434", true, "UP", null, null, 0, false);
        assertEquals(Promise.Result.PASS, Verifier.tunnel(up, false).result());
        TunnelStatus wide = new TunnelStatus(true, 42, "0.0.0.0:11434", true, "UP", null, null, 0, false);
        assertEquals(Promise.Result.FAIL, Verifier.tunnel(wide, false).result());
        assertEquals(Promise.Result.INFO, Verifier.tunnel(wide, true).result());
        TunnelStatus down = new TunnelStatus(false, 0, null, false, null, null, null, 0, false);
        assertEquals(Promise.Result.FAIL, Verifier.tunnel(down, false).result());
        TunnelStatus socket = new TunnelStatus(true, 42, "/home/u/.vmbox/llm/tunnel/api.sock", true, "UP", null, null, 0, false);
        assertEquals(Promise.Result.PASS, Verifier.tunnel(socket, false).result());
    }

    @Test
    void theEndpointsRefusalsAreHostCheckedPromises() {
        assertEquals(Promise.Result.PASS, Verifier.apiKey(401, false).result());
        assertEquals("host", Verifier.apiKey(401, false).where());
        assertEquals(Promise.Result.FAIL, Verifier.apiKey(200, false).result());
        assertEquals(Promise.Result.FAIL, Verifier.apiKey(-1, false).result());
        assertEquals(Promise.Result.INFO, Verifier.apiKey(200, true).result());
        assertEquals(Promise.Result.PASS, Verifier.webOrigin(403).result());
        assertEquals(Promise.Result.FAIL, Verifier.webOrigin(200).result());
        assertEquals("/api/tags", Verifier.protectedPath(dev.vmbox.runtime.RuntimeKind.OLLAMA));
        assertEquals("/v1/models", Verifier.protectedPath(dev.vmbox.runtime.RuntimeKind.LLAMA_CPP));
    }

    @Test
    void hostSocketTableShowsListenersBeyondLoopback() throws Exception {
        Path proc = Files.createDirectories(tmp.resolve("proc/net"));
        // 127.0.0.1:11434 LISTEN, 0.0.0.0:8080 LISTEN, 10.0.0.5:11434 ESTABLISHED (not a listener)
        Files.writeString(proc.resolve("tcp"), "  sl  local_address rem_address   st\n"
                + "   0: 0100007F:2CAA 00000000:0000 0A\n"
                + "   1: 00000000:1F90 00000000:0000 0A\n"
                + "   2: 0500000A:2CAA 0100000A:D431 01\n");
        assertTrue(Verifier.nonLoopbackListeners(tmp.resolve("proc"), 11434).isEmpty());
        assertEquals(1, Verifier.nonLoopbackListeners(tmp.resolve("proc"), 8080).size());
    }
}
