package dev.vmbox.cloudinit;

import dev.vmbox.runtime.RuntimeKind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.exec.Command;
import dev.vmbox.spec.EgressPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The egress rulesets, loaded for real into a network namespace this test makes (loopback plus a veth
 * pair whose both ends stay inside it, addressed in TEST-NET-1; nothing leaves the namespace), then
 * probed: what the sealed guest can still send, what the fetch window opens, and that vmbox-seal
 * really closes it.
 */
class EgressNamespaceTest {
    static final String SETUP = "set -e; ip link set lo up; ip link add v0 type veth peer name v1;"
            + " ip addr add 192.0.2.1/24 dev v0; ip link set v0 up; ip link set v1 up;"
            + " ip route add default via 192.0.2.254 dev v0; ";

    @BeforeEach
    void needsRootAndTools() {
        RealTools.require("nft");
        RealTools.require("unshare");
        RealTools.require("ip");
        RealTools.require("python3");
        assumeTrue(RealTools.root(), "!!! network namespaces need root -- SKIPPING EgressNamespaceTest");
    }

    JsonNode probe(EgressPolicy policy, Path dir, boolean sealAfterBoot) throws IOException {
        Map<String, String> files = GuestFilesTest.files(Specs.spec(RuntimeKind.OLLAMA, policy, GpuKind.NONE));
        files.forEach((p, c) -> {
            if (p.startsWith(GuestLayout.EGRESS_DIR + "/") || p.equals(GuestLayout.SEAL_COMMAND)) {
                try {
                    String content = c.replace("dir=" + GuestLayout.EGRESS_DIR, "dir=" + dir);
                    Files.writeString(dir.resolve(Path.of(p).getFileName().toString()), content, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        Files.writeString(dir.resolve("probe.py"), Specs.resource("/fixtures/egress/probe.py"));
        // What vmbox-egress.service runs at boot, then (optionally) what vmbox runs over SSH to seal.
        String script = SETUP + "nft -I \"$0\" -f \"$0/active.nft\"; "
                + (sealAfterBoot ? "sh \"$0/vmbox-seal\" >/dev/null; " : "")
                + "exec python3 \"$0/probe.py\"";
        String out = RealTools.RUNNER.run(Command.of(Duration.ofSeconds(60), "unshare", "--net", "sh", "-c", script,
                dir.toString())).stdout();
        return new ObjectMapper().readTree(out);
    }

    @Test
    void sealedSendsNothingButLoopback(@TempDir Path dir) throws IOException {
        JsonNode r = probe(EgressPolicy.SEALED, dir, false);
        assertEquals("ok", r.get("loopback").textValue());
        for (String p : new String[] {"tcp443", "tcp8080", "udp53", "udp9999", "metadata"}) {
            assertTrue(r.get(p).textValue().startsWith("error:"), p + " must fail fast when sealed: " + r);
        }
    }

    @Test
    void fetchWindowOpensOnlyDnsAndHttpsUntilSealed(@TempDir Path dir) throws IOException {
        JsonNode open = probe(EgressPolicy.FETCH_WINDOW, dir, false);
        assertEquals("sent", open.get("udp53").textValue(), open.toString());
        assertEquals("timeout", open.get("tcp443").textValue(), "443 leaves the guest (and dies on the veth): " + open);
        assertTrue(open.get("tcp8080").textValue().startsWith("error:"), open.toString());
        assertTrue(open.get("udp9999").textValue().startsWith("error:"), open.toString());
        assertTrue(open.get("metadata").textValue().startsWith("error:"), open.toString());

        JsonNode sealed = probe(EgressPolicy.FETCH_WINDOW, dir, true);
        assertEquals("ok", sealed.get("loopback").textValue());
        for (String p : new String[] {"tcp443", "udp53", "metadata"}) {
            assertTrue(sealed.get(p).textValue().startsWith("error:"), p + " after vmbox-seal: " + sealed);
        }
        assertEquals("include \"sealed.nft\"",
                Files.readString(dir.resolve("active.nft")).strip(), "the next boot applies sealed.nft too");
    }

    @Test
    void openBlocksOnlyMetadata(@TempDir Path dir) throws IOException {
        JsonNode r = probe(EgressPolicy.OPEN, dir, false);
        assertEquals("sent", r.get("udp9999").textValue(), r.toString());
        assertEquals("sent", r.get("udp53").textValue(), r.toString());
        assertTrue(r.get("metadata").textValue().startsWith("error:"), r.toString());
    }

    @Test
    void firstBootStepAppliesTheSealedRulesetBeforeWriteFiles(@TempDir Path dir) throws IOException {
        UserData d = CloudInitRenderer.parseUserData(CloudInitComposer.renderUserData(Specs.spec()));
        assertEquals(1, d.bootcmd().size());
        java.util.List<String> step = d.bootcmd().get(0);
        assertEquals(java.util.List.of("cloud-init-per", "instance", "vmbox-egress-early"), step.subList(0, 3));
        Files.writeString(dir.resolve("probe.py"), Specs.resource("/fixtures/egress/probe.py"));
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("unshare", "--net", "sh", "-c",
                SETUP + "\"$@\"; exec python3 \"$PROBE\"", "sh"));
        argv.addAll(step.subList(3, step.size()));
        String out = RealTools.RUNNER.run(Command.of(Duration.ofSeconds(60), argv)
                .withEnv("PROBE", dir.resolve("probe.py").toString())).stdout();
        JsonNode r = new ObjectMapper().readTree(out);
        assertEquals("ok", r.get("loopback").textValue());
        for (String p : new String[] {"tcp443", "udp53", "udp9999", "metadata"}) {
            assertTrue(r.get(p).textValue().startsWith("error:"), p + " must fail after the first-boot step: " + r);
        }
    }
}
