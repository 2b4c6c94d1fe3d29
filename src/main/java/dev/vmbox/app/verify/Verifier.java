package dev.vmbox.app.verify;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.TunnelStatus;
import dev.vmbox.app.verify.Promise.Result;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.ssh.SshSession;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks an instance's promises: guest probes run over SSH as root (one script, see {@code guest-probes.sh}) and are
 * what the guest reports about itself ({@link Promise#GUEST}); host probes (the pinned host key, the running VM's
 * hypervisor seal, the tunnel's state and the host's own socket table) are checked by vmbox itself ({@link Promise#HOST}).
 */
public final class Verifier {
    /** Every promise the guest script must report on; a missing one counts as FAIL. */
    static final List<String> GUEST_PROMISES = List.of("egress", "egress-udp", "egress-ipv6", "loopback", "runtime-user",
            "sandbox", "runtime-network", "no-host-mounts", "password-ssh");
    private static final Pattern LINE = Pattern.compile("^PROBE (\\S+) (PASS|FAIL) (.*)$");

    private Verifier() {
    }

    /** The guest presented the pinned host key (PASS), or another one ({@code mismatch}, FAIL). */
    public static Promise hostKey(String fingerprint, String mismatch) {
        return mismatch == null
                ? new Promise("host-key", Promise.HOST, Result.PASS, "the guest presented the pinned host key " + fingerprint)
                : new Promise("host-key", Promise.HOST, Result.FAIL, mismatch);
    }

    /** Runs the guest probes in {@code session}. */
    public static List<Promise> guest(SshSession session, Subject s) {
        String script;
        try (InputStream in = Verifier.class.getResourceAsStream("/dev/vmbox/verify/guest-probes.sh")) {
            if (in == null) {
                throw new VmboxException(ExitCode.INTERNAL, "guest-probes.sh is missing from the jar", null);
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot read guest-probes.sh", null, e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = session.exec("sudo -n sh -s -- " + SshSession.shellQuote(s.egress().cliName()) + " "
                        + SshSession.shellQuote(s.runtime().systemUser()) + " " + s.runtimePort(),
                new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)), out, err, Duration.ofSeconds(90));
        List<Promise> list = new ArrayList<>(parse(out.toString(StandardCharsets.UTF_8)));
        if (list.isEmpty()) {
            throw new VmboxException(ExitCode.FAILED, "the guest probes printed nothing (exit " + rc + "): "
                    + err.toString(StandardCharsets.UTF_8).strip(), "check that the admin user still has sudo in the guest");
        }
        for (String id : GUEST_PROMISES) {
            if (list.stream().noneMatch(p -> p.id().equals(id))) {
                list.add(new Promise(id, Promise.GUEST, Result.FAIL, "the probe did not report (the probe script stopped early, "
                        + "exit " + rc + ")"));
            }
        }
        return list;
    }

    static List<Promise> parse(String output) {
        List<Promise> list = new ArrayList<>();
        for (String line : output.split("\\R")) {
            Matcher m = LINE.matcher(line.strip());
            if (m.matches()) {
                list.add(new Promise(m.group(1), Promise.GUEST, Result.valueOf(m.group(2)), m.group(3)));
            }
        }
        return list;
    }

    /**
     * Egress sealed outside the guest, in the VM as it runs now: {@code sealed} is the provider's answer read from the
     * running VM (empty when it has no such seal: INFO). Not asked for {@code --egress open}.
     */
    public static Optional<Promise> hypervisorSeal(Subject s, String providerId, Optional<Boolean> sealed) {
        if (s.egress() == dev.vmbox.spec.EgressPolicy.OPEN) {
            return Optional.empty();
        }
        return Optional.of(sealed.isEmpty()
                ? new Promise("hypervisor-seal", Promise.HOST, Result.INFO, providerId
                + " has no hypervisor-level egress seal: only the guest's nftables stop egress")
                : sealed.get()
                ? new Promise("hypervisor-seal", Promise.HOST, Result.PASS, providerId
                + ": the running VM's network is sealed outside the guest (QEMU restrict=on in the running QEMU)")
                : new Promise("hypervisor-seal", Promise.HOST, Result.FAIL, providerId
                + ": the running VM's network is open at the hypervisor (no restrict=on in the running QEMU)"));
    }

    /**
     * The host side of the tunnel ({@link #tunnel(TunnelStatus, boolean)}), and nothing else listening on the
     * API port beyond loopback in the host's socket table under {@code procRoot}.
     */
    public static Promise tunnel(Subject s, TunnelStatus status, Path procRoot) {
        Promise tunnel = tunnel(status, s.exposed());
        List<String> wide = nonLoopbackListeners(procRoot, s.apiPort());
        if (tunnel.result() == Result.PASS && !wide.isEmpty() && !s.exposed()) {
            return new Promise(tunnel.id(), "host", Result.FAIL, "something listens on the API port beyond loopback: "
                    + String.join(", ", wide));
        }
        return tunnel;
    }

    /** The host side of the tunnel: the agent's endpoint must be loopback (or a private Unix socket). */
    public static Promise tunnel(TunnelStatus status, boolean exposedOnPurpose) {
        if (!status.running()) {
            return new Promise("tunnel-loopback", "host", Result.FAIL, "the tunnel agent is not running (vmbox tunnel start)");
        }
        String ep = status.endpoint() == null ? "" : status.endpoint();
        boolean loopback = ep.startsWith("/") || ep.startsWith("127.") || ep.startsWith("[::1]") || ep.startsWith("localhost");
        if (loopback) {
            return new Promise("tunnel-loopback", "host", Result.PASS, "the API is published on " + ep + " only"
                    + (status.reachable() ? " (answering)" : " (not answering right now)"));
        }
        return new Promise("tunnel-loopback", "host", exposedOnPurpose ? Result.INFO : Result.FAIL,
                "the API is published on " + ep + (exposedOnPurpose ? " because you asked for --expose" : ""));
    }

    /** A path of the runtime's API that needs the key (what {@link #apiKey} asks without it). */
    public static String protectedPath(RuntimeKind runtime) {
        return runtime == RuntimeKind.OLLAMA ? "/api/tags" : "/v1/models";
    }

    /**
     * Checked on the host: the endpoint answered {@code status} to a request for a protected path without the key
     * (-1: no answer). 401 holds; the owner's own {@code --no-api-key} is stated as INFO.
     */
    public static Promise apiKey(int status, boolean keyOff) {
        if (keyOff) {
            return new Promise("api-key", "host", Result.INFO, "the API key is turned off (tunnel start --no-api-key): "
                    + "any program of any user on this host can use the model");
        }
        if (status == 401) {
            return new Promise("api-key", "host", Result.PASS, "a request without the API key was refused (401) by the endpoint");
        }
        return new Promise("api-key", "host", Result.FAIL, status < 0 ? "the endpoint did not answer (vmbox tunnel status)"
                : "a request without the API key was answered with " + status);
    }

    /**
     * Checked on the host: the endpoint answered {@code status} to a request from {@code Origin: http://evil.example}
     * (-1: no answer). 403 holds.
     */
    public static Promise webOrigin(int status) {
        if (status == 403) {
            return new Promise("web-origin", "host", Result.PASS,
                    "a request from a web page (Origin: http://evil.example) was refused (403) by the endpoint");
        }
        return new Promise("web-origin", "host", Result.FAIL, status < 0 ? "the endpoint did not answer (vmbox tunnel status)"
                : "a request from a web page (Origin: http://evil.example) was answered with " + status);
    }

    /**
     * Linux only: no socket listens on {@code port} beyond loopback, read from the kernel's own tables
     * ({@code /proc/net/tcp}, {@code tcp6}) under {@code procRoot}. Empty when they cannot be read.
     */
    public static List<String> nonLoopbackListeners(Path procRoot, int port) {
        List<String> bad = new ArrayList<>();
        for (String table : List.of("net/tcp", "net/tcp6")) {
            Path p = procRoot.resolve(table);
            List<String> lines;
            try {
                lines = Files.readAllLines(p);
            } catch (IOException | RuntimeException e) {
                continue;
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 4 || !"0A".equals(f[3])) {
                    continue; // not LISTEN
                }
                String[] local = f[1].split(":");
                if (local.length != 2 || Integer.parseInt(local[1], 16) != port) {
                    continue;
                }
                String hex = local[0].toUpperCase(Locale.ROOT);
                boolean loop = hex.length() == 8 ? hex.endsWith("7F") // 127.x.x.x, little-endian
                        : hex.equals("00000000000000000000000001000000") || hex.matches("0000000000000000FFFF0000..0000" + "7F");
                if (!loop) {
                    bad.add(table.substring(4) + " " + hex + ":" + port);
                }
            }
        }
        return bad;
    }
}
