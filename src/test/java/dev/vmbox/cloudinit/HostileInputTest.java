package dev.vmbox.cloudinit;

import dev.vmbox.runtime.RuntimeKind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.spec.EgressPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile names, model references and keys: each is refused with BAD_INPUT and a message that does not
 * echo it raw, or encoded so that cloud-init's own YAML parser (PyYAML, run here for real) reads back
 * exactly the value given, and nothing else changes.
 */
class HostileInputTest {
    static final String MEGABYTE = "a".repeat(1 << 20);
    static final ObjectMapper JSON = new ObjectMapper();

    static GuestSpec with(Function<Builder, Builder> f) {
        return f.apply(new Builder()).build();
    }

    /** Mutable copy of {@link Specs#spec()} for one changed field. */
    static final class Builder {
        String name = "golden";
        String host = "golden";
        String admin = "vmadmin";
        String key = Specs.CLIENT_KEY;
        String model = "llama3.1:8b";

        GuestSpec build() {
            return new GuestSpec(name, host, admin, key, Specs.HOST_KEY, RuntimeKind.OLLAMA, 11434, EgressPolicy.SEALED,
                    GpuKind.NONE, 8L << 30, 512, model, ProviderLogin.NONE);
        }
    }

    static void assertBadInput(Runnable r, String expectedInMessage) {
        VmboxException e = assertThrows(VmboxException.class, r::run);
        assertEquals(ExitCode.BAD_INPUT, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains(expectedInMessage), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "error message is one line");
        assertTrue(e.getMessage().length() < 300, "error message does not echo a huge value");
        assertTrue(e.hint() != null && !e.hint().isBlank());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\"b", "a'b", "a\nssh_pwauth: true", "a:b", "a #b", "#a", "a;reboot", "$(reboot)",
            "a b", "ünï", "_a", "-a", "a-", "A", "a.b", "a/b", "", "a\u2028b", "\u0000"})
    void hostileInstanceNamesAreRefused(String bad) {
        assertBadInput(() -> with(b -> { b.name = bad; return b; }), "instance name");
        assertBadInput(() -> with(b -> { b.host = bad; return b; }), "hostname");
    }

    @ParameterizedTest
    @ValueSource(strings = {"root", "a:b", "a\nb", "vmbox-ollama", "Admin", "a b", "x'y", "1abc", "ubuntu"})
    void hostileAdminUsersAreRefused(String bad) {
        assertBadInput(() -> with(b -> { b.admin = bad; return b; }), "admin user");
    }

    @Test
    void megabyteStringsAreRefused() {
        assertBadInput(() -> with(b -> { b.name = MEGABYTE; return b; }), "1048576 characters");
        assertBadInput(() -> with(b -> { b.host = MEGABYTE; return b; }), "1048576 characters");
        assertBadInput(() -> with(b -> { b.admin = MEGABYTE; return b; }), "admin user");
        assertBadInput(() -> with(b -> { b.model = MEGABYTE; return b; }), "too long");
        assertBadInput(() -> with(b -> { b.key = "ssh-ed25519 " + MEGABYTE; return b; }), "too long");
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3\nssh_pwauth: true", "a\rb", "a\u0000b", "a\u2028b", "a\u202eb", "a\u200bb",
            "a\uFEFFb", "a\ud800b", " ", "a\tb"})
    void modelRefsWithControlOrInvisibleCharactersAreRefused(String bad) {
        assertBadInput(() -> with(b -> { b.model = bad; return b; }), "model reference");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFTq+7spsLQW0ODFMsZfDtkjsww4g3UJ+2FLClTbxco7 x\nssh_pwauth: true",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFTq+7spsLQW0ODFMsZfDtkjsww4g3UJ+2FLClTbxco7 a\u00e9",
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ",
            "ssh-ed25519 not-base64!",
            "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ==",
            "command=\"reboot\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFTq+7spsLQW0ODFMsZfDtkjsww4g3UJ+2FLClTbxco7",
            ""})
    void hostileAuthorizedKeysAreRefused(String bad) {
        VmboxException e = assertThrows(VmboxException.class, () -> with(b -> { b.key = bad; return b; }));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("public key"), e.getMessage());
    }

    /** Values that are legal but full of YAML, shell and unicode traps must come back unchanged. */
    @Test
    void trickyButLegalValuesRoundTripThroughRealPyYaml() throws Exception {
        RealTools.require("python3");
        String model = "hf:org/repo: \"quoted\" 'single' #hash {json: [1]} &anchor *alias !tag %x @y `z` $(reboot); "
                + "rm -rf / | 模型 ü 😀 --trust-remote-code ---\n".strip();
        String key = Specs.CLIENT_KEY.substring(0, Specs.CLIENT_KEY.lastIndexOf(' '))
                + " me@host: #1 \"q\" 'q' {x} [y] & * ! % @ ` $(id)";
        for (String yamlWord : List.of("no", "yes", "on", "off", "y", "n", "null", "true", "nan", "inf", "e1")) {
            GuestSpec s = with(b -> {
                b.host = yamlWord;
                b.admin = yamlWord.equals("null") || yamlWord.equals("true") ? "nul-" + yamlWord : yamlWord;
                b.model = model;
                b.key = key;
                return b;
            });
            String rendered = CloudInitComposer.renderUserData(s);
            JsonNode parsed = pyYaml(rendered);
            assertEquals(s.hostname(), parsed.get("hostname").textValue(), "hostname " + yamlWord);
            JsonNode admin = parsed.get("users").get(1);
            assertEquals(s.adminUser(), admin.get("name").textValue(), "user " + yamlWord);
            assertEquals(key, admin.get("ssh_authorized_keys").get(0).textValue());
            JsonNode info = null;
            for (JsonNode f : parsed.get("write_files")) {
                if (f.get("path").textValue().equals(GuestLayout.GUEST_INFO)) {
                    info = JSON.readTree(f.get("content").textValue());
                }
            }
            assertEquals(model, info.get("model").textValue());
            assertEquals(yamlWord, info.get("hostname").textValue());
            // The model reference appears nowhere but in guest.json: not in a unit, a script or runcmd.
            assertFalse(parsed.get("runcmd").toString().contains("trust-remote-code"));
            for (JsonNode f : parsed.get("write_files")) {
                if (!f.get("path").textValue().equals(GuestLayout.GUEST_INFO)) {
                    assertFalse(f.get("content").textValue().contains("模型"), f.get("path").textValue());
                }
            }
            String meta = CloudInitComposer.renderMetaData(s, MetaData.freshInstanceId("golden"));
            assertEquals(yamlWord, pyYaml(meta).get("local-hostname").textValue());
        }
    }

    @Test
    void metaDataHasUniqueInstanceIds() throws Exception {
        RealTools.require("python3");
        String a = MetaData.freshInstanceId("llm");
        String b = MetaData.freshInstanceId("llm");
        assertFalse(a.equals(b));
        assertTrue(a.matches("vmbox-llm-[0-9a-f]{16}"), a);
        JsonNode meta = pyYaml(CloudInitComposer.renderMetaData(Specs.spec(), a));
        assertEquals(a, meta.get("instance-id").textValue());
        assertEquals("golden", meta.get("local-hostname").textValue());
        assertBadInput(() -> new MetaData("x\ninstance-id: y", "golden"), "instance-id");
    }

    /** Parses YAML with PyYAML's safe_load, as cloud-init does, and returns it as JSON. */
    static JsonNode pyYaml(String yaml) throws Exception {
        String out = RealTools.RUNNER.run(Command.of(Duration.ofSeconds(30), "python3", "-c",
                        "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.buffer.read().decode('utf-8'))))")
                .withStdin(yaml.getBytes(StandardCharsets.UTF_8))).stdout();
        return JSON.readTree(out);
    }
}
