package dev.vmbox.cloudinit;

import dev.vmbox.runtime.RuntimeKind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
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
 * The files vmbox writes into the guest, checked by the real tools that will read them: nftables
 * rulesets with {@code nft -c}, systemd units with {@code systemd-analyze verify}, the sshd drop-ins
 * with {@code sshd -t}, the seal script with {@code sh -n}. Files are taken from the rendered
 * cloud-config, i.e. exactly what ships.
 */
class GuestFilesTest {
    static final Duration T = Duration.ofSeconds(60);

    static Map<String, String> files(GuestSpec spec) {
        UserData d = CloudInitRenderer.parseUserData(CloudInitComposer.renderUserData(spec));
        return d.writeFiles().stream().collect(Collectors.toMap(WriteFile::path, WriteFile::content));
    }

    @ParameterizedTest
    @EnumSource(EgressPolicy.class)
    void egressRulesetsPassNftCheck(EgressPolicy policy, @TempDir Path dir) throws IOException {
        RealTools.require("nft");
        Map<String, String> files = files(Specs.spec(RuntimeKind.OLLAMA, policy, GpuKind.NONE));
        List<String> rulesets = files.keySet().stream().filter(p -> p.startsWith(GuestLayout.EGRESS_DIR + "/")).sorted().toList();
        assertTrue(rulesets.contains(GuestLayout.EGRESS_DIR + "/sealed.nft"), "every guest can be sealed");
        assertTrue(rulesets.contains(GuestLayout.EGRESS_DIR + "/active.nft"));
        for (String p : rulesets) {
            Files.writeString(dir.resolve(Path.of(p).getFileName().toString()), files.get(p), StandardCharsets.UTF_8);
        }
        assertTrue(files.get(GuestLayout.EGRESS_DIR + "/active.nft").contains("include \"" + policy.cliName() + ".nft\""));
        for (String p : rulesets) {
            Path f = dir.resolve(Path.of(p).getFileName().toString());
            CommandResult r = RealTools.RUNNER.run(Command.of(T, "nft", "-c", "-I", dir.toString(), "-f", f.toString())
                    .allowExitCodes(1));
            assertEquals(0, r.exitCode(), p + " fails nft -c: " + r.stderr());
        }
    }

    @Test
    void sealedRulesetClosesDnsMetadataAndEverythingButSsh() {
        String sealed = files(Specs.spec()).get(GuestLayout.EGRESS_DIR + "/sealed.nft");
        String output = sealed.substring(sealed.indexOf("chain output"));
        assertTrue(output.contains("policy drop;"));
        assertTrue(output.contains("th dport 53 counter drop"), "DNS closed");
        assertTrue(output.contains("ip daddr 169.254.0.0/16 counter drop"), "metadata closed");
        assertTrue(output.contains("tcp sport 22 ct state established accept"), "answers on inbound SSH pass");
        assertFalse(output.contains("ct state new accept"), "the sealed guest opens no connection");
        String input = sealed.substring(sealed.indexOf("chain input"), sealed.indexOf("chain forward"));
        assertTrue(input.contains("tcp dport 22 ct state new accept"), "inbound SSH (10.0.2.2 via hostfwd) passes");
    }

    @ParameterizedTest
    @EnumSource(RuntimeKind.class)
    void runtimeUnitsPassSystemdAnalyzeVerify(RuntimeKind runtime, @TempDir Path dir) throws IOException {
        RealTools.require("systemd-analyze");
        for (GpuKind gpu : GpuKind.values()) {
            Path root = dir.resolve(gpu.name());
            Map<String, String> files = files(Specs.spec(runtime, EgressPolicy.SEALED, gpu));
            String unitPath = "/etc/systemd/system/" + GuestLayout.RUNTIME_UNIT;
            String unit = files.get(unitPath);
            assertTrue(unit.contains("ExecStart=" + runtime.binaryPath() + " "), unit);
            // The runtime is uploaded later; verify a copy whose ExecStart names a binary this host has.
            String testable = unit.replace("ExecStart=" + runtime.binaryPath(), "ExecStart=/bin/true");
            write(root, unitPath, testable);
            files.forEach((p, c) -> {
                if (p.startsWith(unitPath + ".d/") || p.equals("/etc/systemd/system/vmbox-egress.service")) {
                    write(root, p, c);
                }
            });
            Path sys = root.resolve("etc/systemd/system");
            for (String name : List.of(GuestLayout.RUNTIME_UNIT, "vmbox-egress.service")) {
                CommandResult r = RealTools.RUNNER.run(Command.of(T, "systemd-analyze", "verify", "--man=no",
                        sys.resolve(name).toString()).allowExitCodes(1));
                assertEquals(0, r.exitCode(), name + ": " + r.stderr());
                assertEquals("", r.stderr().strip(), name + " (" + runtime + ", " + gpu + ") has warnings");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RuntimeKind.class)
    void runtimeUnitsAreSandboxedAndLoopbackOnly(RuntimeKind runtime) {
        Map<String, String> files = files(Specs.spec(runtime, EgressPolicy.SEALED, GpuKind.NONE));
        String unit = files.get("/etc/systemd/system/" + GuestLayout.RUNTIME_UNIT);
        for (String directive : List.of("User=" + runtime.systemUser(), "NoNewPrivileges=yes", "ProtectSystem=strict",
                "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "CapabilityBoundingSet=\n",
                "RestrictAddressFamilies=", "SystemCallFilter=@system-service", "IPAddressDeny=any",
                "IPAddressAllow=localhost", "ReadOnlyPaths=" + GuestLayout.MODEL_STORE,
                "ConditionFileIsExecutable=" + runtime.binaryPath())) {
            assertTrue(unit.contains(directive), runtime + " unit lacks " + directive.strip());
        }
        String execStart = unit.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        assertFalse(execStart.contains("trust-remote-code"));
        assertFalse(execStart.contains("0.0.0.0"));
        if (runtime != RuntimeKind.OLLAMA) {
            assertTrue(execStart.contains("--host 127.0.0.1"));
        }
        String sizing = files.get(CloudInitComposer.SIZING_DROP_IN);
        assertTrue(sizing.contains("MemoryMax=" + (8L << 30) + "\n"));
        assertTrue(sizing.contains("TasksMax=512\n"));
        assertTrue(sizing.contains(runtime == RuntimeKind.OLLAMA ? "OLLAMA_HOST=127.0.0.1:11434"
                : "VMBOX_RUNTIME_PORT=" + runtime.defaultPort()));
    }

    @Test
    void gpuDropInOpensOnlyNvidiaDevices() {
        String gpu = files(Specs.spec(RuntimeKind.VLLM, EgressPolicy.SEALED, GpuKind.NVIDIA))
                .get("/etc/systemd/system/vmbox-runtime.service.d/50-vmbox-gpu.conf");
        assertTrue(gpu.contains("DevicePolicy=closed"));
        assertTrue(gpu.lines().filter(l -> l.startsWith("DeviceAllow=")).allMatch(l -> l.contains("nvidia")));
        assertFalse(files(Specs.spec()).keySet().stream().anyMatch(p -> p.contains("gpu")));
    }

    @Test
    void sshdDropInsPassSshdConfigTest(@TempDir Path dir) throws IOException {
        RealTools.require("sshd");
        RealTools.require("ssh-keygen");
        RealTools.require("unshare");
        org.junit.jupiter.api.Assumptions.assumeTrue(RealTools.root(),
                "!!! sshd -t needs /run/sshd; the test makes it in a private mount namespace, which needs root -- SKIPPING");
        Map<String, String> files = files(Specs.spec());
        Path hostKey = dir.resolve("hostkey");
        RealTools.RUNNER.run(Command.of(T, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey.toString()));
        StringBuilder config = new StringBuilder();
        for (String p : List.of("/etc/ssh/sshd_config.d/00-vmbox.conf", CloudInitComposer.SSHD_ACCESS_DROP_IN)) {
            config.append(files.get(p).replace("/etc/ssh/ssh_host_ed25519_key", hostKey.toString()));
        }
        Path cfg = dir.resolve("sshd_config");
        Files.writeString(cfg, config.toString(), StandardCharsets.UTF_8);
        CommandResult r = RealTools.RUNNER.run(Command.of(T, "unshare", "--mount", "sh", "-c",
                "mount -t tmpfs tmpfs /run && mkdir -p /run/sshd && exec \"$0\" -t -f \"$1\"",
                "/usr/sbin/sshd", cfg.toString()).allowExitCodes(1, 255));
        assertEquals(0, r.exitCode(), "sshd -t: " + r.stderr());
        CommandResult dump = RealTools.RUNNER.run(Command.of(T, "unshare", "--mount", "sh", "-c",
                "mount -t tmpfs tmpfs /run && mkdir -p /run/sshd && exec \"$0\" -T -f \"$1\" -C user=vmadmin,host=h,addr=127.0.0.1",
                "/usr/sbin/sshd", cfg.toString()));
        String eff = dump.stdout();
        for (String expected : List.of("passwordauthentication no", "permitrootlogin no", "allowagentforwarding no",
                "x11forwarding no", "allowtcpforwarding local", "permitopen 127.0.0.1:11434", "permitlisten none",
                "allowstreamlocalforwarding no", "permittunnel no", "allowusers vmadmin")) {
            assertTrue(eff.contains(expected + "\n"), "effective sshd config lacks '" + expected + "'");
        }
    }

    @Test
    void sealScriptIsValidShellAndLoadsSealedRuleset() {
        RealTools.require("sh");
        String script = files(Specs.spec()).get(GuestLayout.SEAL_COMMAND);
        assertTrue(script.startsWith("#!/bin/sh\n"));
        assertTrue(script.contains("set -eu"));
        assertTrue(script.contains("include \"sealed.nft\""));
        RealTools.RUNNER.run(Command.of(T, "sh", "-n").withStdin(script.getBytes(StandardCharsets.UTF_8)));
    }

    private static void write(Path root, String absolute, String content) {
        try {
            Path p = root.resolve(absolute.substring(1));
            Files.createDirectories(p.getParent());
            Files.writeString(p, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
