package dev.vmbox.cloudinit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.EgressPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The per-instance seed of a VM that boots a runtime image: only what the image cannot know (pinned by golden files,
 * accepted by the real cloud-init schema), the runtime's settings from the plan in the sizing drop-in.
 */
class ImageSeedTest {
    static final RuntimeArgs ARGS = new RuntimeArgs(2048, 2, "tiny-llama.gguf");

    static GuestSpec spec(EgressPolicy egress) {
        return Specs.spec(RuntimeKind.LLAMA_CPP, egress, GpuKind.NONE);
    }

    static Map<String, String> files(UserData d) {
        return d.writeFiles().stream().collect(Collectors.toMap(WriteFile::path, WriteFile::content));
    }

    @ParameterizedTest
    @EnumSource(EgressPolicy.class)
    void matchesGoldenFileAndPassesRealCloudInitSchema(EgressPolicy egress, @TempDir Path tmp) throws IOException {
        String rendered = CloudInitComposer.renderUserDataForImage(spec(egress), ARGS);
        String name = "image-llama-cpp-" + egress.cliName() + ".user-data";
        if (CloudInitMatrixTest.UPDATE) {
            Path dir = Path.of(System.getProperty("vmbox.repo", "."), "src/test/resources/golden/cloudinit");
            Files.writeString(dir.resolve(name), rendered, StandardCharsets.UTF_8);
        } else {
            assertEquals(Specs.resource("/golden/cloudinit/" + name), rendered, "differs from golden/cloudinit/" + name
                    + "; if intended, rerun with -Dvmbox.updateGolden=true and review the diff");
        }
        RealTools.require("cloud-init");
        Path file = tmp.resolve("user-data");
        Files.writeString(file, rendered, StandardCharsets.UTF_8);
        CommandResult r = RealTools.RUNNER.run(Command.of(Duration.ofSeconds(60), "cloud-init", "schema", "--config-file",
                file.toString()).allowExitCodes(1));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    @Test
    void placesOnlyThePerInstanceParts() {
        UserData d = CloudInitComposer.composeForImage(spec(EgressPolicy.SEALED), ARGS);
        assertEquals(List.of(CloudInitComposer.SSHD_ACCESS_DROP_IN, CloudInitComposer.SIZING_DROP_IN, GuestLayout.GUEST_INFO),
                d.writeFiles().stream().map(WriteFile::path).toList());
        assertEquals("golden", d.hostname());
        assertEquals(List.of("vmadmin"), d.users().stream().map(User::name).toList());
        assertEquals(Specs.HOST_PUB, d.sshKeys().get("ed25519_public"));
        assertNull(d.runcmd(), "no runcmd: the image has everything else");
        assertNull(d.bootcmd(), "the image boots sealed: nothing to apply");
        assertTrue(d.disableRoot() && d.sshDeletekeys() && d.manageEtcHosts());
        assertEquals(List.of("ed25519"), d.sshGenkeytypes());
    }

    @Test
    void theSizingDropInCarriesContextThreadsAndAlias() {
        String sizing = files(CloudInitComposer.composeForImage(spec(EgressPolicy.SEALED), ARGS))
                .get(CloudInitComposer.SIZING_DROP_IN);
        assertEquals("""
                # vmbox: the runtime's address, settings and limits, from the instance's plan.
                [Service]
                Environment=VMBOX_RUNTIME_PORT=8080
                Environment=LLAMA_ARG_CTX_SIZE=2048
                Environment=LLAMA_ARG_THREADS=2
                Environment=LLAMA_ARG_ALIAS=tiny-llama.gguf
                MemoryMax=8589934592
                MemorySwapMax=0
                TasksMax=512
                """, sizing);
    }

    @Test
    void aPolicyOtherThanSealedIsPlacedAndAppliedAtFirstBoot() {
        UserData d = CloudInitComposer.composeForImage(spec(EgressPolicy.FETCH_WINDOW), ARGS);
        assertTrue(files(d).get(GuestLayout.EGRESS_DIR + "/active.nft").contains("include \"fetch-window.nft\""));
        assertFalse(files(d).containsKey(GuestLayout.EGRESS_DIR + "/fetch-window.nft"), "the ruleset is in the image");
        assertEquals(1, d.bootcmd().size());
        assertTrue(d.bootcmd().get(0).containsAll(List.of("cloud-init-per", "instance", "vmbox-egress-early")));
    }

    @Test
    void aliasesAreFileNamesThatCannotBreakTheDropIn() {
        assertEquals("tiny-llama.gguf", RuntimeArgs.aliasFor("tiny-llama.gguf"));
        for (String odd : List.of("my model.gguf", "a%n.gguf", "x\ny.gguf", "$(id).gguf", ".hidden.gguf", "é.gguf")) {
            assertEquals(RuntimeArgs.FALLBACK_ALIAS, RuntimeArgs.aliasFor(odd), odd);
        }
        VmboxException e = assertThrows(VmboxException.class, () -> new RuntimeArgs(0, 1, "a b"));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertThrows(VmboxException.class, () -> new RuntimeArgs(0, 0, "m"));
        assertFalse(new RuntimeArgs(0, 1, "m").environment().contains("CTX_SIZE"), "0: llama-server's default");
    }

    @Test
    void onlyLlamaCppHasARuntimeImage() {
        VmboxException e = assertThrows(VmboxException.class, () -> CloudInitComposer.composeForImage(
                Specs.spec(RuntimeKind.OLLAMA, EgressPolicy.SEALED, GpuKind.NONE), ARGS));
        assertEquals(ExitCode.INTERNAL, e.exitCode());
    }
}
