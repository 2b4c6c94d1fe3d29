package dev.vmbox.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.cloudinit.Fragments;
import dev.vmbox.cloudinit.WriteFile;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.runtime.RuntimeKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime image's recipe: the files it bakes come from the cloud-init fragments (one source), the image boots
 * sealed, its runtime unit is sandboxed and checked by the real {@code systemd-analyze verify}, and its hash follows
 * every input.
 */
class RuntimeImageRecipeTest {
    static final Duration T = Duration.ofSeconds(60);
    static final Executables EXE = new Executables(System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin");
    final RuntimeImageRecipe recipe = new RuntimeImageRecipe(RuntimeKind.LLAMA_CPP, "testing");

    Map<String, WriteFile> baked() {
        return recipe.bakedFiles().stream().collect(Collectors.toMap(WriteFile::path, w -> w));
    }

    @Test
    void bakesTheInstanceIndependentFilesOfEveryFragmentAndBootsSealed() {
        Map<String, WriteFile> files = baked();
        for (String fragment : List.of("base/base.yaml", "egress/sealed.yaml", "egress/fetch-window.yaml", "egress/open.yaml",
                "image/llama-cpp.yaml")) {
            for (WriteFile w : Fragments.load(fragment).writeFiles()) {
                if (w.path().equals("/etc/vmbox/egress/active.nft") && !fragment.equals("egress/sealed.yaml")
                        || w.path().startsWith("/etc/cloud/")) {
                    assertFalse(files.containsKey(w.path()) && w.path().startsWith("/etc/cloud/"), "no cloud-init settings");
                    continue;
                }
                assertEquals(w.content(), files.get(w.path()).content(), w.path() + " from " + fragment + " is baked as is");
            }
        }
        assertTrue(files.get("/etc/vmbox/egress/active.nft").content().contains("include \"sealed.nft\""),
                "the image boots sealed");
        assertFalse(files.containsKey("/etc/systemd/system/vmbox-runtime.service.d/10-vmbox-sizing.conf"),
                "sizing is per instance");
        assertFalse(files.containsKey("/etc/ssh/sshd_config.d/01-vmbox-access.conf"), "the admin is per instance");
        assertEquals(List.copyOf(files.keySet().stream().sorted().toList()), recipe.bakedFiles().stream()
                .map(WriteFile::path).toList(), "in path order");
    }

    @Test
    void theRuntimeUnitIsDebiansLlamaServerSandboxedOnLoopbackOffline() {
        String unit = baked().get("/etc/systemd/system/vmbox-runtime.service").content();
        for (String line : List.of("ExecStart=/usr/bin/llama-server --host 127.0.0.1 --port ${VMBOX_RUNTIME_PORT} --model "
                        + "/var/lib/vmbox/models/model.gguf", "User=vmbox-llama", "Requires=vmbox-egress.service",
                "ConditionPathExists=/var/lib/vmbox/models/model.gguf", "Environment=LLAMA_ARG_OFFLINE=1",
                "Environment=LLAMA_ARG_CORS_ORIGINS=localhost", "Environment=LLAMA_ARG_ENDPOINT_SLOTS=0",
                "NoNewPrivileges=yes", "CapabilityBoundingSet=", "ProtectSystem=strict", "ProtectHome=yes",
                "PrivateTmp=yes", "PrivateDevices=yes", "ReadOnlyPaths=/var/lib/vmbox/models", "IPAddressDeny=any",
                "IPAddressAllow=localhost", "MemoryDenyWriteExecute=yes", "SystemCallFilter=@system-service")) {
            assertTrue(unit.lines().anyMatch(l -> l.equals(line)), "the unit has " + line);
        }
        assertTrue(baked().keySet().stream().noneMatch(p -> p.startsWith("/etc/cloud/")), "the image has no cloud-init");
        assertFalse(RuntimeImageRecipe.script().contains("cloud-init,") || RuntimeImageRecipe.script().contains("python3,"),
                "neither cloud-init nor Python is installed");
    }

    @Test
    void theSeedUnitRunsBeforeSshdAndOnlyAtFirstBoot(@TempDir Path dir) throws IOException {
        String unit = baked().get("/etc/systemd/system/vmbox-seed.service").content();
        for (String line : List.of("Before=ssh.service shutdown.target", "ConditionPathExists=!/var/lib/vmbox/seeded",
                "ExecStart=/usr/lib/vmbox/apply-seed")) {
            assertTrue(unit.lines().anyMatch(l -> l.equals(line)), "the unit has " + line);
        }
        String ssh = baked().get("/etc/systemd/system/ssh.service.d/20-vmbox-seed.conf").content();
        assertTrue(ssh.contains("After=vmbox-seed.service systemd-networkd-wait-online.service"), ssh);
        String script = baked().get("/usr/lib/vmbox/apply-seed").content();
        assertTrue(script.contains("DEV=/dev/disk/by-label/" + dev.vmbox.provider.SeedFiles.IMAGE_SEED_LABEL + "\n"),
                "the guest looks for the label the host writes");
        assertTrue(script.contains("systemd-sysusers \"$MNT/" + dev.vmbox.provider.SeedFiles.SYSUSERS + "\"")
                && script.contains("systemd-tmpfiles --create \"$MNT/" + dev.vmbox.provider.SeedFiles.TMPFILES + "\""), script);
        assertTrue(RuntimeImageRecipe.script().contains("vmbox-seed.service'"), "the recipe enables it");
        assumeTrue(EXE.find("systemd-analyze").isPresent() || failInCi("systemd-analyze"), "systemd-analyze is missing");
        Path sys = Files.createDirectories(dir.resolve("etc/systemd/system"));
        Files.writeString(sys.resolve("vmbox-seed.service"), unit.replace("ExecStart=/usr/lib/vmbox/apply-seed",
                "ExecStart=/bin/true"));
        CommandResult r = new ZtExecCommandRunner(EventLog.NONE, EXE).run(Command.of(T, "systemd-analyze", "verify",
                "--man=no", sys.resolve("vmbox-seed.service").toString()).allowExitCodes(1));
        assertEquals(0, r.exitCode(), r.stderr());
    }

    @Test
    void theRuntimeUnitPassesSystemdAnalyzeVerify(@TempDir Path dir) throws IOException {
        assumeTrue(EXE.find("systemd-analyze").isPresent() || failInCi("systemd-analyze"), "systemd-analyze is missing");
        Path sys = Files.createDirectories(dir.resolve("etc/systemd/system"));
        // llama-server is in the image; verify a copy whose ExecStart names a binary this host has
        Files.writeString(sys.resolve("vmbox-runtime.service"), baked().get("/etc/systemd/system/vmbox-runtime.service")
                .content().replace("ExecStart=/usr/bin/llama-server", "ExecStart=/bin/true"));
        Files.writeString(sys.resolve("vmbox-egress.service"), baked().get("/etc/systemd/system/vmbox-egress.service").content());
        CommandResult r = new ZtExecCommandRunner(EventLog.NONE, EXE).run(Command.of(T, "systemd-analyze", "verify",
                "--man=no", sys.resolve("vmbox-runtime.service").toString()).allowExitCodes(1));
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("", r.stderr().strip(), "no warnings");
    }

    @Test
    void theOneClientSshdDropInIsRefusedBeforeOpenSsh98WhichIsWhyTheRecipeChecksTheVersion(@TempDir Path dir)
            throws IOException {
        String dropIn = baked().get("/etc/ssh/sshd_config.d/02-vmbox-one-client.conf").content();
        assertTrue(dropIn.contains("PerSourcePenalties no\n") && dropIn.contains("MaxStartups 64:30:128\n"), dropIn);
        assertTrue(RuntimeImageRecipe.script().contains("dpkg --compare-versions \"$(chroot \"$1\" dpkg-query -W "
                + "-f=\"\\${Version}\" openssh-server)\" ge 1:9.8; then rm -f \"$1/etc/ssh/sshd_config.d/"
                + "02-vmbox-one-client.conf\""), "the recipe drops it where sshd is older than 9.8");
        assumeTrue(EXE.find("sshd").isPresent() && "root".equals(System.getProperty("user.name")),
                "sshd -t needs sshd and, for /run/sshd, root");
        CommandResult version = new ZtExecCommandRunner(EventLog.NONE, EXE).run(Command.of(T, "ssh", "-V").allowExitCodes(0, 255));
        String v = version.stderr() + version.stdout();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("OpenSSH_(\\d+)\\.(\\d+)").matcher(v);
        assumeTrue(m.find(), v);
        boolean old = Integer.parseInt(m.group(1)) * 100 + Integer.parseInt(m.group(2)) < 908;
        Path key = dir.resolve("hostkey");
        ZtExecCommandRunner runner = new ZtExecCommandRunner(EventLog.NONE, EXE);
        runner.run(Command.of(T, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()));
        Path cfg = dir.resolve("sshd_config");
        Files.writeString(cfg, "HostKey " + key + "\n" + dropIn, StandardCharsets.UTF_8);
        CommandResult r = runner.run(Command.of(T, "unshare", "--mount", "sh", "-c",
                "mount -t tmpfs tmpfs /run && mkdir -p /run/sshd && exec \"$0\" -t -f \"$1\"", "/usr/sbin/sshd",
                cfg.toString()).allowExitCodes(0, 255));
        if (old) {
            assertEquals(255, r.exitCode(), "OpenSSH before 9.8 refuses the keyword: " + v);
            assertTrue(r.stderr().contains("PerSourcePenalties"), r.stderr());
        } else {
            assertEquals(0, r.exitCode(), r.stderr());
        }
    }

    @Test
    void writesTheBakedFilesWithTheirModes(@TempDir Path dir) throws IOException {
        recipe.writeBaked(dir);
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("etc/initramfs-tools/hooks/vmbox-no-hwdb"))));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("usr/local/sbin/vmbox-seal"))));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve("etc/systemd/system/vmbox-runtime.service"))));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("etc/vmbox"))));
        assertEquals(baked().get("/etc/hostname").content(), Files.readString(dir.resolve("etc/hostname")));
    }

    @Test
    void theHashIsStableAndNamesTheImage() {
        assertTrue(recipe.sha256().matches("[0-9a-f]{64}"));
        assertEquals(recipe.sha256(), new RuntimeImageRecipe(RuntimeKind.LLAMA_CPP, "unstable").sha256(),
                "the suite is an option of the build, not part of the recipe");
        assertEquals("vmbox-llama-cpp-testing", recipe.imageName());
        assertEquals("vmbox-llama-cpp-unstable", new RuntimeImageRecipe(RuntimeKind.LLAMA_CPP, "unstable").imageName());
        assertNotEquals(recipe.sha256(), dev.vmbox.download.Sha256.of(RuntimeImageRecipe.script()
                .getBytes(StandardCharsets.UTF_8)), "the baked files are in the hash too");
    }

    @Test
    void refusesRuntimesDebianDoesNotPackageAndMalformedSuites() {
        VmboxException e = assertThrows(VmboxException.class, () -> new RuntimeImageRecipe(RuntimeKind.OLLAMA, "testing"));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("there is no runtime image for ollama"), e.getMessage());
        for (String bad : List.of("", "Testing", "testing main", "../x", "a")) {
            assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class,
                    () -> new RuntimeImageRecipe(RuntimeKind.LLAMA_CPP, bad)).exitCode(), bad);
        }
    }

    private static boolean failInCi(String tool) {
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(tool + " is missing (CI=true)");
        }
        return false;
    }
}
