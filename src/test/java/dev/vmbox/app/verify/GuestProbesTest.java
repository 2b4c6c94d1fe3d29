package dev.vmbox.app.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.cloudinit.Fragments;
import dev.vmbox.cloudinit.GuestLayout;
import dev.vmbox.cloudinit.WriteFile;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest's probe script ({@code guest-probes.sh}, what {@code vmbox verify} runs in the guest) in a network namespace
 * this test makes, with the real sealed ruleset loaded as at boot: egress over TCP, UDP and IPv6 must be refused, and a
 * ruleset that lets UDP out must be caught by the UDP and IPv6 rows. The runtime unit's IP deny list is read through a
 * stand-in {@code systemctl} that prints what systemd prints. Nothing leaves the namespace (a veth whose peer stays in
 * it; documentation addresses).
 */
class GuestProbesTest {
    static final String SETUP = "set -e; ip link set lo up; ip link add v0 type veth peer name v1;"
            + " ip addr add 10.0.2.15/24 dev v0; ip -6 addr add 2001:db8:1::15/64 dev v0 nodad; ip link set v0 up;"
            + " ip link set v1 up; ip route add default via 10.0.2.2 dev v0; ip -6 route add default via 2001:db8:1::1 dev v0;"
            + " set +e; ";
    static final ZtExecCommandRunner RUNNER = new ZtExecCommandRunner(EventLog.NONE,
            new Executables(System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin"));

    @TempDir
    Path dir;

    @BeforeEach
    void needsRoot() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "!!! network namespaces need root -- SKIPPING GuestProbesTest");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        // systemd's own output for the runtime unit: MainPID 0 (not running here), its IP allow and deny lists
        Files.writeString(bin.resolve("systemctl"), "#!/bin/sh\ncase \"$*\" in\n"
                + "  *'-p MainPID --value'*) echo 0 ;;\n"
                + "  *'-p IPAddressDeny --value'*) echo \"$DENY\" ;;\n"
                + "  *'-p IPAddressAllow --value'*) echo \"$ALLOW\" ;;\n"
                + "esac\n");
        Files.setPosixFilePermissions(bin.resolve("systemctl"), PosixFilePermissions.fromString("rwxr-xr-x"));
        try (InputStream in = Verifier.class.getResourceAsStream("/dev/vmbox/verify/guest-probes.sh")) {
            Files.write(dir.resolve("guest-probes.sh"), in.readAllBytes());
        }
        String sealed = Fragments.load("base/base.yaml").writeFiles().stream()
                .filter(f -> f.path().equals(GuestLayout.EGRESS_DIR + "/sealed.nft")).map(WriteFile::content).findFirst()
                .orElseThrow();
        Files.writeString(dir.resolve("sealed.nft"), sealed);
        // the same ruleset, but UDP may leave (over IPv4 and IPv6): what the UDP and IPv6 probes exist to catch
        Files.writeString(dir.resolve("leaky.nft"), sealed.replace(
                "counter reject with icmpx type admin-prohibited comment \"vmbox: egress sealed\"",
                "meta l4proto udp accept\n    counter reject with icmpx type admin-prohibited comment \"vmbox: egress sealed\""));
    }

    /** The rows the probe script printed, by id. */
    private Map<String, Promise> probe(String ruleset, String deny, String allow) {
        String out = RUNNER.run(Command.of(Duration.ofSeconds(120), "unshare", "--net", "sh", "-c", SETUP
                        + "nft -f \"$0/" + ruleset + "\" && PATH=\"$0/bin:$PATH\" sh \"$0/guest-probes.sh\" sealed vmbox-ollama 11434",
                dir.toString()).withEnv("DENY", deny).withEnv("ALLOW", allow)).stdout();
        return Verifier.parse(out).stream().collect(Collectors.toMap(Promise::id, p -> p, (a, b) -> a));
    }

    @Test
    void aSealedGuestRefusesTcpUdpAndIpv6AndItsRuntimeMayReachOnlyLoopback() {
        Map<String, Promise> rows = probe("sealed.nft", "0.0.0.0/0 ::/0", "127.0.0.0/8 ::1/128");
        for (String id : List.of("egress", "egress-udp", "egress-ipv6", "runtime-network")) {
            assertEquals(Promise.Result.PASS, rows.get(id).result(), id + ": " + rows.get(id));
            assertEquals(Promise.GUEST, rows.get(id).where());
            assertEquals("reported by the guest", rows.get(id).evidence());
        }
        assertTrue(rows.get("egress-ipv6").detail().contains("2001:db8::1"), rows.get("egress-ipv6").detail());
        assertTrue(rows.get("egress-udp").detail().contains("192.0.2.1:53"), rows.get("egress-udp").detail());
    }

    @Test
    void udpLeavingTheGuestFailsTheUdpAndIpv6RowsAndARuntimeAllowedBeyondLoopbackFails() {
        Map<String, Promise> rows = probe("leaky.nft", "0.0.0.0/0 ::/0", "127.0.0.0/8 ::1/128 10.0.0.0/8");
        assertEquals(Promise.Result.PASS, rows.get("egress").result(), "TCP over IPv4 is still refused: " + rows.get("egress"));
        assertEquals(Promise.Result.FAIL, rows.get("egress-udp").result(), rows.get("egress-udp").toString());
        assertTrue(rows.get("egress-udp").detail().contains("192.0.2.1:123"), rows.get("egress-udp").detail());
        assertEquals(Promise.Result.FAIL, rows.get("egress-ipv6").result(), rows.get("egress-ipv6").toString());
        assertTrue(rows.get("egress-ipv6").detail().contains("udp/[2001:db8::1]:123"), rows.get("egress-ipv6").detail());
        assertEquals(Promise.Result.FAIL, rows.get("runtime-network").result(), rows.get("runtime-network").toString());
    }

    @Test
    void aRuntimeUnitThatDoesNotDenyIpv6Fails() {
        Promise p = probe("sealed.nft", "0.0.0.0/0", "127.0.0.0/8").get("runtime-network");
        assertEquals(Promise.Result.FAIL, p.result(), p.toString());
    }

    @Test
    void verifysJsonSaysWhoEstablishedEachRow() throws IOException {
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(List.of(
                new Promise("egress", Promise.GUEST, Promise.Result.PASS, "x"),
                new Promise("hypervisor-seal", Promise.HOST, Promise.Result.PASS, "y")));
        assertTrue(json.contains("\"where\":\"guest\"") && json.contains("\"evidence\":\"reported by the guest\""), json);
        assertTrue(json.contains("\"where\":\"host\"") && json.contains("\"evidence\":\"checked on the host\""), json);
        assertTrue(new String(Files.readAllBytes(dir.resolve("guest-probes.sh")), StandardCharsets.UTF_8)
                .contains("PROBE %s %s %s"));
    }
}
