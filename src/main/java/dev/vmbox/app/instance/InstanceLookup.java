package dev.vmbox.app.instance;

import dev.vmbox.VmboxException;
import dev.vmbox.store.InstanceLock;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import java.time.Duration;

/**
 * Finds existing instances: the store's records joined with the providers that hold their VMs.
 *
 * @param store     the records in VMBOX_HOME
 * @param providers the provider of each record (as the record remembers it), and every provider for clean-up
 */
public record InstanceLookup(InstanceStore store, ProviderResolver providers) {
    /** How long a command waits for another vmbox that changes the same instance. */
    static final Duration LOCK_WAIT = InstanceStore.DEFAULT_LOCK_WAIT;

    public InstanceFiles files(String name) {
        return new InstanceFiles(store.dir(name));
    }

    /** The instance in whatever phase its record is; NOT_FOUND when there is none, FAILED when it is unreadable. */
    public Instance get(String name) {
        return of(store.read(name));
    }

    Instance of(InstanceRecord r) {
        return new Instance(r, files(r.name()), providers);
    }

    /** The instance, which create finished; NOT_FOUND (with the reason) while creating or after a failed create. */
    public Instance ready(String name) {
        InstanceRecord r = store.read(name);
        if (r.phase() != InstanceRecord.Phase.READY) {
            throw VmboxException.notFound("instance '" + name + "' is " + r.phase().name().toLowerCase()
                    + (r.failure() == null ? "" : " (" + r.failure() + ")"), "remove it with: vmbox delete " + name);
        }
        return of(r);
    }

    /** The instance's lock: held while its record or VM is changed. */
    public InstanceLock lock(String name) {
        return store.lock(name, LOCK_WAIT);
    }
}
