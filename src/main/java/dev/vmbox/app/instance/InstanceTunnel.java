package dev.vmbox.app.instance;

import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelSettings;
import dev.vmbox.app.tunnel.TunnelStatus;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.store.InstanceLock;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code vmbox tunnel start|stop|status NAME}: an instance's API tunnel, as its record says to publish it. */
public final class InstanceTunnel {
    private final InstanceLookup instances;
    private final ApiTunnel tunnel;

    public InstanceTunnel(InstanceLookup instances, ApiTunnel tunnel) {
        this.instances = instances;
        this.tunnel = tunnel;
    }

    /** Starts (or restarts after a VM restart) the tunnel of a running instance; returns the API's URL. */
    public String start(String name) {
        try (InstanceLock ignored = instances.lock(name)) {
            return start(instances.ready(name));
        }
    }

    /** {@link #start(String)} for an instance whose lock the caller holds. */
    String start(Instance instance) {
        InstanceSettings s = instance.settings();
        int port = s.integer(InstanceSettings.API_PORT);
        TunnelSettings ts = ApiTunnel.settings(instance.name(), instance.target(instance.endpoint()), instance.apiBind(), port,
                s.integer(InstanceSettings.RUNTIME_PORT));
        tunnel.start(instance.files().tunnelDir(), ts, ApiTunnel.READY_WAIT);
        return ApiTunnel.url(instance.apiBind(), port);
    }

    /**
     * Changes where the API is published (host port and/or address); takes effect at the next tunnel start.
     * The address follows {@link ApiAddress}'s rule: an IP literal of this host, never a wildcard.
     */
    public void moveApi(String name, Integer port, String bind) {
        if (port != null) {
            ApiAddress.port(port);
        }
        try (InstanceLock ignored = instances.lock(name)) {
            Instance instance = instances.ready(name);
            Map<String, Object> s = new LinkedHashMap<>(instance.record().settings());
            int newPort = port != null ? port : instance.settings().integer(InstanceSettings.API_PORT);
            if (port != null) {
                s.put(InstanceSettings.API_PORT, Integer.toString(port));
            }
            if (bind != null) {
                s.put(InstanceSettings.API_BIND, new ApiAddress(bind, newPort, true).literal());
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
