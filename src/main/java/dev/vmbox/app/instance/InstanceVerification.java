package dev.vmbox.app.instance;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.EndpointProbe;
import dev.vmbox.app.tunnel.TunnelStatus;
import dev.vmbox.app.verify.Promise;
import dev.vmbox.app.verify.Subject;
import dev.vmbox.app.verify.Verifier;
import dev.vmbox.provider.Provider;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.ssh.SshTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code vmbox verify NAME}: every promise, proven in the guest (over SSH) and on the host.
 *
 * @param hostRoot the host's root folder, where {@code proc/net/tcp} is read (a fixture in tests)
 */
public record InstanceVerification(InstanceLookup instances, GuestAccess guests, ApiTunnel tunnel, Path hostRoot) {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    public List<Promise> verify(String name) {
        Instance instance = instances.ready(name);
        Subject subject = subject(instance);
        List<Promise> out = new ArrayList<>();
        SshTarget target = instance.runningTarget();
        try (SshSession session = guests.connect(target)) {
            out.add(Verifier.hostKey(target.hostKey().fingerprint(), null));
            out.addAll(Verifier.guest(session, subject));
        } catch (VmboxException e) {
            if (e.exitCode() == ExitCode.SECURITY) {
                out.add(Verifier.hostKey(target.hostKey().fingerprint(), e.getMessage()));
                return out;
            }
            throw e;
        }
        Provider p = instance.provider();
        Verifier.hypervisorSeal(subject, p.id(), p.hypervisorEgressSealed(name)).ifPresent(out::add);
        TunnelStatus st = tunnel.status(instance.files().tunnelDir());
        out.add(Verifier.tunnel(subject, st, hostRoot.resolve("proc")));
        String ep = st.endpoint();
        boolean keyOff = tunnel.control().wish(instance.files().tunnelDir()).keyOff();
        String path = Verifier.protectedPath(subject.runtime());
        out.add(Verifier.apiKey(ep == null || !st.running() ? -1
                : EndpointProbe.status(ep, "GET", path, Map.of(), PROBE_TIMEOUT), keyOff));
        out.add(Verifier.webOrigin(ep == null || !st.running() ? -1
                : EndpointProbe.status(ep, "POST", path, Map.of("Origin", "http://evil.example", "Content-Type", "text/plain"),
                PROBE_TIMEOUT)));
        return out;
    }

    /** What verify needs of the record. */
    static Subject subject(Instance instance) {
        InstanceSettings s = instance.settings();
        return new Subject(EgressPolicy.parse(s.string(InstanceSettings.EGRESS)),
                RuntimeKind.parse(s.string(InstanceSettings.RUNTIME)), s.integer(InstanceSettings.RUNTIME_PORT),
                s.integer(InstanceSettings.API_PORT), !ApiAddress.parseLiteral(instance.apiBind()).isLoopbackAddress());
    }
}
