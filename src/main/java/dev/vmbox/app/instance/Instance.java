package dev.vmbox.app.instance;

import dev.vmbox.VmboxException;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.store.InstanceRecord;

/**
 * One existing instance as a command acts on it: its record (intent and identifiers), its files, and the
 * provider that holds its VM (asked for the live state, never the record).
 */
public final class Instance {
    private final InstanceRecord record;
    private final InstanceFiles files;
    private final ProviderResolver providers;
    private Provider provider;

    Instance(InstanceRecord record, InstanceFiles files, ProviderResolver providers) {
        this.record = record;
        this.files = files;
        this.providers = providers;
    }

    public String name() {
        return record.name();
    }

    public InstanceRecord record() {
        return record;
    }

    public InstanceFiles files() {
        return files;
    }

    public InstanceSettings settings() {
        return new InstanceSettings(record);
    }

    /** The provider configured as the record remembers it (e.g. libvirt at the URI it was made on). */
    public Provider provider() {
        if (provider == null) {
            provider = providers.provider(record.provider(), record.providerRef());
        }
        return provider;
    }

    /** The guest's SSH target at {@code endpoint}: the instance's own key and pinned host key. */
    public SshTarget target(SshEndpoint endpoint) {
        return GuestAccess.target(record, files, endpoint);
    }

    /**
     * The SSH target of the running VM. BROKEN instances kept with --keep-on-failure are reachable too, to
     * inspect them; the pinned key still applies. NOT_FOUND when it never got its keys or is not running.
     */
    public SshTarget runningTarget() {
        if (record.settings().get(InstanceSettings.HOST_KEY) == null) {
            throw VmboxException.notFound("instance '" + name() + "' never got its keys (create failed early)",
                    "remove it with: vmbox delete " + name());
        }
        return target(endpoint());
    }

    /** The SSH endpoint of the running VM; NOT_FOUND when it is not running. */
    public SshEndpoint endpoint() {
        return provider().sshEndpoint(name()).orElseThrow(() -> VmboxException.notFound(
                "instance '" + name() + "' is not running", "start it with: vmbox start " + name()));
    }

    /** The host address the API is published on (the record's; 127.0.0.1 for records that predate it). */
    public String apiBind() {
        return settings().stringOr(InstanceSettings.API_BIND, "127.0.0.1");
    }
}
