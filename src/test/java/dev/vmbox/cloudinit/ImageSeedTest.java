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
 * applied by the real systemd-sysusers and systemd-tmpfiles as the image's seed unit does), the runtime's settings
 * from the plan in the sizing drop-in.
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
    void matchesGoldenFiles(EgressPolicy egress) throws IOException {
        ImageSeed seed = ImageSeed.of(spec(egress), ARGS);
        for (Map.Entry<String, String> e : Map.of("sysusers.conf", seed.sysusers(), "tmpfiles.conf", seed.tmpfiles()).entrySet()) {
            String name = "image-llama-cpp-" + egress.cliName() + "." + e.getKey();
            if (CloudInitMatrixTest.UPDATE) {
                Path dir = Path.of(System.getProperty("vmbox.repo", "."), "src/test/resources/golden/cloudinit");
                Files.writeString(dir.resolve(name), e.getValue(), StandardCharsets.UTF_8);
            } else {
                assertEquals(Specs.resource("/golden/cloudinit/" + name), e.getValue(), "differs from golden/cloudinit/" + name
                        + "; if intended, rerun with -Dvmbox.updateGolden=true and review the diff");
            }
        }
    }

    /**
     * What the image's seed unit does, by systemd's own tools on this host into a scratch root: the admin exists, every
     * file has its owner, mode and content, the host key is private.
     */
    @ParameterizedTest
    @EnumSource(value = EgressPolicy.class, names = {"SEALED", "FETCH_WINDOW"})
    void systemdsOwnToolsApplyItAsTheImageDoes(EgressPolicy egress, @TempDir Path tmp) throws IOException {
        RealTools.require("systemd-sysusers");
        RealTools.require("systemd-tmpfiles");
        ImageSeed seed = ImageSeed.of(spec(egress), ARGS);
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("etc/ssh"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\n");
        Path users = Files.writeString(tmp.resolve("sysusers.conf"), seed.sysusers());
        Path files = Files.writeString(tmp.resolve("tmpfiles.conf"), seed.tmpfiles());
        for (Command c : List.of(Command.of(Duration.ofSeconds(30), "systemd-sysusers", "--root=" + root, users.toString()),
                Command.of(Duration.ofSeconds(30), "systemd-tmpfiles", "--create", "--root=" + root, files.toString()))) {
            CommandResult r = RealTools.RUNNER.run(c.allowExitCodes(0, 1, 65, 73));
            assertEquals(0, r.exitCode(), c + ": " + r.stdout() + r.stderr());
        }
        String passwd = Files.readString(root.resolve("etc/passwd"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^vmadmin:x:(\\d+):(\\d+):vmbox admin:/home/vmadmin:/bin/bash$")
                .matcher(passwd);
        assertTrue(m.find(), passwd);
        int uid = Integer.parseInt(m.group(1));
        assertEquals("golden\n", Files.readString(root.resolve("etc/hostname")));
        assertTrue(Files.readString(root.resolve("etc/hosts")).contains("127.0.1.1\tgolden\n"));
        assertFile(root.resolve("etc/ssh/ssh_host_ed25519_key"), "rw-------", 0, Specs.DUMMY_PRIVATE);
        assertFile(root.resolve("etc/ssh/ssh_host_ed25519_key.pub"), "rw-r--r--", 0, Specs.HOST_PUB + "\n");
        assertFile(root.resolve("home/vmadmin/.ssh/authorized_keys"), "rw-------", uid, Specs.CLIENT_KEY + "\n");
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(root.resolve("home/vmadmin/.ssh"))));
        assertFile(root.resolve("etc/sudoers.d/90-vmbox-vmadmin"), "r--r-----", 0, "vmadmin ALL=(ALL) NOPASSWD:ALL\n");
        for (WriteFile f : CloudInitComposer.composeForImage(spec(egress), ARGS).writeFiles()) {
            assertFile(root.resolve(f.path().substring(1)), java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.attribute.PosixFilePermissions.fromString(rwx(f.permissions()))), 0, f.content());
        }
        assertEquals(egress != EgressPolicy.SEALED, Files.exists(root.resolve(GuestLayout.EGRESS_DIR.substring(1) + "/active.nft")));
    }

    private static String rwx(String octal) {
        StringBuilder b = new StringBuilder();
        for (char c : octal.substring(1).toCharArray()) {
            int v = c - '0';
            b.append((v & 4) != 0 ? 'r' : '-').append((v & 2) != 0 ? 'w' : '-').append((v & 1) != 0 ? 'x' : '-');
        }
        return b.toString();
    }

    private static void assertFile(Path file, String mode, int uid, String content) throws IOException {
        assertEquals(content, Files.readString(file), file.toString());
        assertEquals(mode, java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                file.toString());
        assertEquals(uid, (int) (Integer) Files.getAttribute(file, "unix:uid"), file.toString());
    }

    @Test
    void refusesWhatItCannotHoldAsABugNotAsABrokenLine() {
        UserData sealed = CloudInitComposer.composeForImage(spec(EgressPolicy.SEALED), ARGS);
        UserData withCommand = sealed.merge(UserData.empty().withBootcmd(List.of(List.of("true"))), "test");
        assertEquals(ExitCode.INTERNAL, assertThrows(VmboxException.class, () -> ImageSeed.of(withCommand)).exitCode());
        UserData spaced = sealed.merge(UserData.empty().withWriteFiles(List.of(WriteFile.root("/etc/a b", "0644", "x"))), "test");
        assertEquals(ExitCode.INTERNAL, assertThrows(VmboxException.class, () -> ImageSeed.of(spaced)).exitCode());
        UserData newline = sealed.merge(UserData.empty().withWriteFiles(List.of(WriteFile.root("/etc/a\nf+ /etc/shadow", "0644",
                "x"))), "test");
        assertEquals(ExitCode.INTERNAL, assertThrows(VmboxException.class, () -> ImageSeed.of(newline)).exitCode());
    }

    @Test
    void contentsTravelBase64SoNoLineOfAFileBecomesALineOfTheConfiguration() {
        String tmpfiles = ImageSeed.of(spec(EgressPolicy.OPEN), ARGS).tmpfiles();
        for (String line : tmpfiles.lines().toList()) {
            assertTrue(line.startsWith("#") || line.matches("(f\\+~ \\S+ 0[0-7]{3} \\S+ \\S+ - [A-Za-z0-9+/=]*|d \\S+ 0[0-7]{3} \\S+ \\S+ -)"),
                    line);
        }
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
    void aPolicyOtherThanSealedIsPlacedForTheSeedUnitToApply() {
        UserData d = CloudInitComposer.composeForImage(spec(EgressPolicy.FETCH_WINDOW), ARGS);
        assertTrue(files(d).get(GuestLayout.EGRESS_DIR + "/active.nft").contains("include \"fetch-window.nft\""));
        assertFalse(files(d).containsKey(GuestLayout.EGRESS_DIR + "/fetch-window.nft"), "the ruleset is in the image");
        assertNull(d.bootcmd(), "the image's seed unit applies active.nft itself");
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
