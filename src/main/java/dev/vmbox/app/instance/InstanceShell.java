package dev.vmbox.app.instance;

import dev.vmbox.VmboxException;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.ssh.SshTarget;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** {@code vmbox ssh}, {@code exec} and {@code logs}: into a running guest with the instance's key and pinned host key. */
public record InstanceShell(InstanceLookup instances, GuestAccess guests) {
    /**
     * The SSH target of a running instance (its key, its pinned host key). BROKEN instances kept with
     * --keep-on-failure are reachable too, to inspect them; the pinned key still applies.
     */
    public SshTarget sshTarget(String name) {
        return instances.get(name).runningTarget();
    }

    /** A session on the running guest (vmbox's own SSH client). */
    public SshSession connect(String name) {
        return guests.connect(sshTarget(name));
    }

    /** The instance's known_hosts for the system ssh client, written afresh (0600) from the record's pinned key. */
    public Path knownHosts(String name) {
        Path file = instances.files(name).knownHosts();
        try {
            sshTarget(name).hostKey().writeKnownHosts(file);
        } catch (IOException e) {
            throw VmboxException.failed("cannot write " + file + ": " + e.getMessage(), "check VMBOX_HOME's permissions", e);
        }
        return file;
    }

    /** The runtime's journal in the guest. */
    public String logs(String name, int lines) {
        try (SshSession s = connect(name)) {
            return s.execChecked("sudo -n journalctl -u vmbox-runtime.service --no-pager -n " + Math.max(1, Math.min(lines,
                    100_000)), Duration.ofSeconds(60)).stdout();
        }
    }
}
