package dev.vmbox.app.instance;

import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelAgent;
import dev.vmbox.app.tunnel.TunnelSettings;
import dev.vmbox.app.tunnel.TunnelStatus;
import dev.vmbox.app.tunnel.TunnelWish;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.ApiKeys;
import dev.vmbox.store.InstanceStore;
import java.nio.file.Path;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.store.InstanceLock;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code vmbox tunnel start|stop|status NAME}: an instance's API tunnel, as its record says to publish it. */
public record InstanceTunnel(InstanceLookup instances, ApiTunnel tunnel) {
    /** Starts (or restarts after a VM restart) the tunnel of a running instance; returns the API's URL. */
    public String start(String name) {
        try (InstanceLock ignored = instances.lock(name)) {
            return start(instances.ready(name));
        }
    }

    /**
     * {@link #start(String)} for an instance whose lock the caller holds. Returns the API's URL, or the path of its
     * Unix socket when the owner asked for one ({@link #configure}).
     */
    String start(Instance instance) {
        InstanceSettings s = instance.settings();
        int port = s.integer(InstanceSettings.API_PORT);
        TunnelSettings ts = ApiTunnel.settings(instance.name(), instance.target(instance.endpoint()), instance.apiBind(), port,
                s.integer(InstanceSettings.RUNTIME_PORT), RuntimeKind.parse(s.string(InstanceSettings.RUNTIME)));
        TunnelStatus st = tunnel.start(instance.files().tunnelDir(), ts, ApiTunnel.READY_WAIT);
        return st.endpoint() != null && st.endpoint().startsWith("/") ? st.endpoint() : ApiTunnel.url(instance.apiBind(), port);
    }

    /**
     * Records how the API is published from the next start on: as a Unix socket ({@code socket} true) or TCP, with
     * the API key or without ({@code keyOff}); null leaves a choice as it is.
     */
    public void configure(String name, Boolean socket, Boolean keyOff) {
        try (InstanceLock ignored = instances.lock(name)) {
            instances.store().read(name);
            Path dir = instances.files(name).tunnelDir();
            TunnelWish w = tunnel.control().wish(dir);
            tunnel.control().setWish(dir, w.withSocket(socket != null ? socket : w.socket())
                    .withKeyOff(keyOff != null ? keyOff : w.keyOff()));
        }
    }

    /**
     * The instance's API key, made now if it has none; what {@code vmbox api-key NAME} prints (and, for clients
     * to evaluate, {@code vmbox env NAME}).
     */
    public String apiKey(String name) {
        try (InstanceLock ignored = instances.lock(name)) {
            instances.store().read(name);
            return ApiKeys.ensure(instances.files(name).apiKey());
        }
    }

    /** Asks the instance's provider to start the VM with the host, or no longer; returns what it did. */
    public String setVmAutostart(String name, boolean on) {
        try (InstanceLock ignored = instances.lock(name)) {
            Instance instance = instances.get(name);
            return instance.provider().setAutostart(name, on, java.time.Duration.ofMinutes(2));
        }
    }

    /**
     * Records that the tunnel runs whenever the user's agent runs as a service, or no longer; returns whether
     * any instance of this VMBOX_HOME still wants that.
     */
    public boolean setAutostart(String name, boolean on) {
        try (InstanceLock ignored = instances.lock(name)) {
            instances.store().read(name);
            tunnel.control().setAutostart(instances.files(name).tunnelDir(), on);
        }
        return anyAutostart();
    }

    /** Whether the instance's tunnel is set to run with the user's agent service; false when it has no folder. */
    public boolean autostart(String name) {
        return tunnel.control().wish(instances.files(name).tunnelDir()).autostart();
    }

    /** Whether any instance of this VMBOX_HOME wants its tunnel to run with the user's agent service. */
    public boolean anyAutostart() {
        return anyWish(TunnelWish::autostart);
    }

    /**
     * Asks the user's agent to end when no instance wants a tunnel any more: what is left of an agent that ran as a
     * service once the last instance set to autostart is deleted (an agent started on demand ends by itself when
     * idle; a service stays). Returns whether one ended.
     */
    public boolean endAgentIfIdle() {
        return !anyWish(w -> w.wanted() || w.autostart()) && tunnel.control().shutdownAgent(instances.store().home().root());
    }

    private boolean anyWish(java.util.function.Predicate<TunnelWish> test) {
        for (InstanceStore.Entry e : instances.store().list()) {
            if (e.readable() && test.test(tunnel.control().wish(instances.files(e.name()).tunnelDir()))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Changes where the API is published (host port and/or address); takes effect at the next tunnel start.
     * The address follows {@link ApiAddress}'s rule: an IP literal of this host, never a wildcard. A new address or
     * port that another program holds is refused (IN_USE) before the record changes.
     */
    public void moveApi(String name, Integer port, String bind) {
        if (port != null) {
            ApiAddress.port(port);
        }
        try (InstanceLock ignored = instances.lock(name)) {
            Instance instance = instances.ready(name);
            Map<String, Object> s = new LinkedHashMap<>(instance.record().settings());
            int oldPort = instance.settings().integer(InstanceSettings.API_PORT);
            // --expose confirms a new address; the recorded one was confirmed when it was set
            ApiAddress moved = new ApiAddress(bind != null ? bind : instance.apiBind(), port != null ? port : oldPort, true);
            if (moved.port() != oldPort || !moved.inetAddress().equals(ApiAddress.parseLiteral(instance.apiBind()))) {
                TunnelAgent.checkPortFree(moved.inetAddress(), moved.literal(), moved.port());
            }
            if (port != null) {
                s.put(InstanceSettings.API_PORT, Integer.toString(port));
            }
            if (bind != null) {
                s.put(InstanceSettings.API_BIND, moved.literal());
            }
            instances.store().write(instance.record().withSettings(s));
        }
    }

    /** Stops the tunnel; false when none was running. */
    public boolean stop(String name) {
        try (InstanceLock ignored = instances.lock(name)) {
            instances.store().read(name);
            return tunnel.stop(instances.files(name).tunnelDir());
        }
    }

    public TunnelStatus status(String name) {
        instances.store().read(name);
        return tunnel.status(instances.files(name).tunnelDir());
    }
}
