package dev.vmbox.provider.lima;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.provider.SeedFixture;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.spec.VmSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lima.yaml vmbox writes, per case: compared byte for byte with golden files, then checked field by
 * field, including that no mount and no port forward other than "ignore" can appear.
 */
class LimaTemplateTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final HostPlatform LINUX = new HostPlatform("Linux", "amd64");
    private static final HostPlatform MAC_ARM = new HostPlatform("Mac OS X", "aarch64");
    private static final HostPlatform MAC_INTEL = new HostPlatform("Mac OS X", "x86_64");

    static Stream<Arguments> cases() {
        VmSpec small = VmSpec.of("llm", 2, ByteSize.ofGiB(4), ByteSize.ofGiB(20));
        VmSpec odd = VmSpec.of("qwen-small", 3, ByteSize.ofMiB(1536), new ByteSize(ByteSize.GIB * 10 + 1))
                .withImage("ubuntu-24.04");
        VmSpec gpu = VmSpec.of("gpu", 8, ByteSize.ofGiB(16), ByteSize.ofGiB(60)).withImage("fedora")
                .withGpu(GpuRequest.AUTO);
        return Stream.of(
                Arguments.of("qemu-linux", small, LINUX, "qemu"),
                Arguments.of("vz-macos", small, MAC_INTEL, "vz"),
                Arguments.of("vz-macos-odd-sizes", odd, MAC_ARM, "vz"),
                Arguments.of("krunkit-gpu", gpu, MAC_ARM, "krunkit"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheGoldenFileAndEveryFieldIsSafe(String golden, VmSpec spec, HostPlatform host, String vmType)
            throws IOException {
        String yaml = LimaYamlWriter.write(LimaTemplate.build(spec, SeedFixture.userData(), host));
        assertEquals(golden(golden, yaml), yaml, "golden file " + golden + ".yaml");

        JsonNode n = YAML.readTree(yaml);
        assertEquals(vmType, n.get("vmType").asText());
        assertEquals(spec.cpus(), n.get("cpus").asInt());
        assertEquals(spec.memory().bytes(), ByteSize.parse(n.get("memory").asText()).bytes());
        assertTrue(ByteSize.parse(n.get("disk").asText()).bytes() >= spec.disk().bytes(), "disk never smaller");
        assertEquals("2.0.0", n.get("minimumLimaVersion").asText());
        assertTrue(n.get("plain").asBoolean(), "plain mode");
        assertTrue(n.get("mounts").isArray() && n.get("mounts").isEmpty(), "mounts: []");
        assertFalse(n.has("mountType") || n.has("additionalDisks") || n.has("networks") || n.has("rosetta")
                || n.has("vmOpts") || n.has("copyToHost") || n.has("param"), "nothing else opened");
        // the user Lima's host agent logs in as, named so that the guest's sshd lets exactly it in; nothing else of it
        assertEquals("{\"name\":\"lima\"}", n.get("user").toString());
        // vmbox's marker: how vmbox tells its instances from others of the same name
        assertEquals(java.util.Optional.of(spec.name()), LimaTemplate.markedInstance(n.get("message").asText()));
        assertFalse(n.get("message").asText().contains("{{"), "Lima renders message as a Go template: plain text only");
        for (JsonNode base : n.get("base")) {
            assertTrue(base.asText().startsWith("template:_images/"), "only an image list is inherited: " + base);
        }
        assertFalse(n.get("containerd").get("system").asBoolean());
        assertFalse(n.get("containerd").get("user").asBoolean());
        JsonNode ssh = n.get("ssh");
        assertEquals(0, ssh.get("localPort").asInt());
        assertFalse(ssh.get("forwardAgent").asBoolean());
        assertFalse(ssh.get("forwardX11").asBoolean());
        assertFalse(ssh.get("forwardX11Trusted").asBoolean());
        assertFalse(ssh.get("loadDotSSHPubKeys").asBoolean());
        assertFalse(n.get("propagateProxyEnv").asBoolean(), "host proxy settings (and credentials) stay on the host");
        assertFalse(n.get("upgradePackages").asBoolean());
        assertFalse(n.get("nestedVirtualization").asBoolean());
        assertEquals("none", n.get("video").get("display").asText());

        // No port forward can appear: every rule is an "ignore" rule over the whole port range.
        JsonNode forwards = n.get("portForwards");
        assertEquals(2, forwards.size());
        for (JsonNode rule : forwards) {
            assertTrue(rule.get("ignore").asBoolean(), "only ignore rules: " + rule);
            assertEquals("[1,65535]", rule.get("guestPortRange").toString());
            assertEquals("any", rule.get("proto").asText());
            assertFalse(rule.has("hostPort") || rule.has("hostIP") || rule.has("hostSocket") || rule.has("static"));
        }
        assertEquals("0.0.0.0", forwards.get(0).get("guestIP").asText());
        assertFalse(forwards.get(0).get("guestIPMustBeZero").asBoolean(), "the 0.0.0.0 rule also catches loopback");

        // Provisioning: vmbox's cloud-config as a root-only file, byte for byte, then the fixed script.
        JsonNode prov = n.get("provision");
        assertEquals(2, prov.size());
        assertEquals("data", prov.get(0).get("mode").asText());
        assertEquals(LimaTemplate.GUEST_CLOUD_CONFIG, prov.get(0).get("path").asText());
        assertEquals("root:root", prov.get(0).get("owner").asText());
        assertEquals("600", prov.get(0).get("permissions").asText());
        assertEquals(SeedFixture.userData(), prov.get(0).get("content").asText());
        assertEquals("system", prov.get(1).get("mode").asText());
        assertTrue(prov.get(1).get("script").asText().contains("cloud-init --file \"$cfg\" single --name \"$module\""));
        assertEquals("readiness", n.get("probes").get(0).get("mode").asText());
        assertTrue(n.get("probes").get(0).get("script").asText().contains(LimaTemplate.GUEST_MARKER));

        List<String> keys = new ArrayList<>();
        Iterator<String> it = n.fieldNames();
        it.forEachRemaining(keys::add);
        assertEquals(List.of("minimumLimaVersion", "base", "vmType", "cpus", "memory", "disk", "plain", "mounts",
                "containerd", "user", "ssh", "portForwards", "nestedVirtualization", "propagateProxyEnv", "upgradePackages",
                "video", "provision", "probes", "message"), keys, "exactly the fields vmbox means to set");
    }

    @Test
    void hostileCloudConfigTextCannotChangeTheStructure() throws IOException {
        String evil = "#cloud-config\n# x\nmounts: [\"~\"]\n\"\nplain: false\n---\nportForwards: [{hostPort: 80}]\n";
        String yaml = LimaYamlWriter.write(LimaTemplate.build(VmSpec.of("x", 1, ByteSize.ofGiB(1), ByteSize.ofGiB(2)),
                evil, LINUX));
        JsonNode n = YAML.readTree(yaml);
        assertTrue(n.get("plain").asBoolean());
        assertTrue(n.get("mounts").isEmpty());
        assertEquals(evil, n.get("provision").get(0).get("content").asText());
        assertEquals(2, n.get("portForwards").size());
    }

    @Test
    void refusesUserDataThatIsNotACloudConfig() {
        VmboxException e = assertThrows(VmboxException.class, () -> LimaTemplate.build(
                VmSpec.of("x", 1, ByteSize.ofGiB(1), ByteSize.ofGiB(2)), "#!/bin/sh\nrm -rf /\n", LINUX));
        assertEquals(ExitCode.INTERNAL, e.exitCode());
    }

    @Test
    void unknownImagesAreRefusedWithTheList() {
        VmboxException e = assertThrows(VmboxException.class, () -> LimaTemplate.build(
                VmSpec.of("x", 1, ByteSize.ofGiB(1), ByteSize.ofGiB(2)).withImage("windows-11"),
                SeedFixture.userData(), LINUX));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.hint().contains("debian-12") && e.hint().contains("ubuntu-24.04"), e.hint());
    }

    @Test
    void theProvisionScriptIsValidShell(@TempDir Path tmp) throws Exception {
        Path script = tmp.resolve("provision.sh");
        try (InputStream in = LimaTemplate.class.getResourceAsStream("provision.sh")) {
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder("sh", "-n", script.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** Reads the golden file; with -Dvmbox.golden.update=true (by hand, never in CI) rewrites it first. */
    private static String golden(String name, String actual) throws IOException {
        String resource = "/dev/vmbox/provider/lima/golden/" + name + ".yaml";
        if (Boolean.getBoolean("vmbox.golden.update")) {
            Path src = Path.of(System.getProperty("vmbox.repo", "."), "src/test/resources" + resource);
            Files.createDirectories(src.getParent());
            Files.writeString(src, actual);
            return actual;
        }
        try (InputStream in = LimaTemplateTest.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new AssertionError("missing golden file " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
