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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The egress rulesets, loaded for real into a network namespace this test makes (loopback plus a veth
 * pair whose both ends stay inside it, addressed in TEST-NET-1; nothing leaves the namespace), then
 * probed: what the sealed guest can still send, what the fetch window opens, and that vmbox-seal
 * really closes it. And the VM's host: a second namespace plays the host side of each provider's network
 * (QEMU's user network, Lima's, a Multipass bridge), answering on its gateway, DNS and other addresses;
 * under fetch-window and open the guest reaches none of them but the DNS forwarder.
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
    void openSendsToPublicAddressesButNeverToMetadata(@TempDir Path dir) throws IOException {
        JsonNode r = probe(EgressPolicy.OPEN, dir, false);
        assertEquals("sent", r.get("udp9999").textValue(), r.toString());
        assertEquals("sent", r.get("udp53").textValue(), r.toString());
        assertTrue(r.get("metadata").textValue().startsWith("error:"), r.toString());
    }

    /**
     * One provider's network as the guest sees it: the guest's addresses and gateways, what the host side holds, what of
     * it the guest may reach (the DNS forwarder, on port 53) and what leads to the host and must be refused.
     */
    enum ProviderNetwork {
        /** QEMU's user network (libvirt; Lima on QEMU): 10.0.2.2 and the rest of 10.0.2.0/24 are the host's loopback. */
        QEMU_USER("10.0.2.15/24", "10.0.2.2", "10.0.2.2 10.0.2.3 10.0.2.77", "fec0::15/64", "fec0::2", "fec0::2 fec0::3",
                List.of("tcp:10.0.2.3:53", "udp:10.0.2.3:53", "udp:[fec0::3]:53"),
                List.of("tcp:10.0.2.2:22", "tcp:10.0.2.2:53", "tcp:10.0.2.2:80", "tcp:10.0.2.2:443", "tcp:10.0.2.2:8080",
                        "udp:10.0.2.2:53", "udp:10.0.2.2:8080", "tcp:10.0.2.3:80", "tcp:10.0.2.3:8080", "udp:10.0.2.3:8080",
                        "tcp:10.0.2.77:443", "tcp:[fec0::2]:443", "tcp:[fec0::2]:8080", "udp:[fec0::2]:53",
                        "tcp:[fec0::3]:443")),
        /** Lima: 192.168.5.2 is host.lima.internal, the host's loopback; 192.168.5.3 its DNS. */
        LIMA("192.168.5.15/24", "192.168.5.2", "192.168.5.2 192.168.5.3", "fec0::15/64", "fec0::2", "fec0::2 fec0::3",
                List.of("tcp:192.168.5.3:53", "udp:192.168.5.3:53"),
                List.of("tcp:192.168.5.2:22", "tcp:192.168.5.2:53", "tcp:192.168.5.2:443", "tcp:192.168.5.2:8080",
                        "udp:192.168.5.2:53", "udp:192.168.5.2:8080", "tcp:192.168.5.3:443", "tcp:[fec0::2]:443")),
        /** A Multipass bridge on Linux: the gateway 10.x.y.1 is the host, and its DNS forwarder (dnsmasq). */
        BRIDGE("10.97.0.76/24", "10.97.0.1", "10.97.0.1 10.97.0.9", null, null, null,
                List.of("tcp:10.97.0.1:53", "udp:10.97.0.1:53"),
                List.of("tcp:10.97.0.1:22", "tcp:10.97.0.1:80", "tcp:10.97.0.1:443", "tcp:10.97.0.1:8080",
                        "udp:10.97.0.1:8080", "tcp:10.97.0.9:443"));

        final String guest4;
        final String gateway4;
        final String side4;
        final String guest6;
        final String gateway6;
        final String side6;
        final List<String> dns;
        final List<String> host;

        ProviderNetwork(String guest4, String gateway4, String side4, String guest6, String gateway6, String side6,
                        List<String> dns, List<String> host) {
            this.guest4 = guest4;
            this.gateway4 = gateway4;
            this.side4 = side4;
            this.guest6 = guest6;
            this.gateway6 = gateway6;
            this.side6 = side6;
            this.dns = dns;
            this.host = host;
        }
    }

    /** The host's other addresses (its LAN address, a container bridge), reachable through any gateway. */
    static final List<String> HOST_ELSEWHERE = List.of("tcp:192.168.1.10:22", "tcp:192.168.1.10:8080",
            "udp:192.168.1.10:8080", "tcp:172.17.0.1:443");
    /** Public addresses (TEST-NET-2, the IPv6 documentation prefix) standing for the internet. */
    static final List<String> INTERNET = List.of("tcp:198.51.100.7:443", "tcp:[2001:db8:77::7]:443", "udp:198.51.100.7:53");

    @ParameterizedTest
    @CsvSource({"FETCH_WINDOW,QEMU_USER", "FETCH_WINDOW,LIMA", "FETCH_WINDOW,BRIDGE", "OPEN,QEMU_USER", "OPEN,LIMA",
            "OPEN,BRIDGE"})
    void fetchWindowAndOpenNeverReachTheHost(EgressPolicy policy, ProviderNetwork net, @TempDir Path dir) throws IOException {
        Map<String, String> files = GuestFilesTest.files(Specs.spec(RuntimeKind.OLLAMA, policy, GpuKind.NONE));
        for (Map.Entry<String, String> f : files.entrySet()) {
            if (f.getKey().startsWith(GuestLayout.EGRESS_DIR + "/")) {
                Files.writeString(dir.resolve(Path.of(f.getKey()).getFileName().toString()), f.getValue());
            }
        }
        for (String fixture : List.of("provider-network.sh", "gateway.py", "probe.py")) {
            Files.writeString(dir.resolve(fixture), Specs.resource("/fixtures/egress/" + fixture));
        }
        List<String> targets = new java.util.ArrayList<>();
        targets.addAll(net.dns);
        targets.addAll(net.host);
        targets.addAll(HOST_ELSEWHERE);
        targets.addAll(net.guest6 == null ? INTERNET.stream().filter(t -> !t.contains("[")).toList() : INTERNET);
        List<String> argv = new java.util.ArrayList<>(List.of("unshare", "--net", "sh", dir.resolve("provider-network.sh")
                .toString(), dir.toString(), net.guest4, net.gateway4, net.side4));
        if (net.guest6 != null) {
            argv.addAll(List.of(net.guest6, net.gateway6, net.side6));
        }
        String out = RealTools.RUNNER.run(Command.of(Duration.ofSeconds(120), argv)
                .withEnv("TARGETS", String.join(" ", targets))).stdout();
        JsonNode r = new ObjectMapper().readTree(out);
        for (String t : net.dns) {
            assertTrue(List.of("ok", "answered").contains(r.get(t).textValue()), "the DNS forwarder stays reachable: " + t
                    + " " + r);
        }
        List<String> refused = new java.util.ArrayList<>(net.host);
        refused.addAll(HOST_ELSEWHERE);
        for (String t : refused) {
            assertTrue(r.get(t).textValue().startsWith("error:"), policy + " on " + net + ": the host must be refused "
                    + "at once: " + t + " -> " + r.get(t) + " in " + r);
        }
        for (String t : INTERNET) {
            if (r.has(t)) {
                assertTrue(List.of("ok", "answered").contains(r.get(t).textValue()), "the internet stays open: " + t + " " + r);
            }
        }
        String reached = Files.exists(dir.resolve("reached.log")) ? Files.readString(dir.resolve("reached.log")) : "";
        for (String line : reached.lines().toList()) {
            String[] f = line.split(" ");
            String as = f[0] + ":" + (f[1].contains(":") ? "[" + f[1] + "]" : f[1]) + ":" + f[2];
            assertTrue(net.dns.contains(as) || INTERNET.contains(as), "only the DNS forwarder and the internet saw the "
                    + "guest, not " + as + ": " + reached);
        }
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
