package dev.vmbox.provider;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.spec.VmSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The seam between vmbox and a hypervisor front end (libvirt, Lima, Multipass). Each implementation
 * drives its program's CLI through {@link dev.vmbox.exec.CommandRunner}, builds argv without side
 * effects, and parses output (and classifies errors) in its own class.
 *
 * <p>Names are vmbox instance names ({@link VmSpec#name()}); how the provider names its own objects is its
 * business. Every call that waits takes a timeout; every failure is a {@link VmboxException}.
 */
public interface Provider extends ProviderProbe {

    Capabilities capabilities();

    /** Rejects, with a clear message and hint, a spec this provider cannot honour on this host. */
    void validate(VmSpec spec);

    /**
     * Makes the VM (disks, seed, definition) and boots it. {@code seedDir} holds the NoCloud files
     * {@code user-data} and {@code meta-data} (and optionally {@code network-config}). Creating a VM that
     * already exists fails with {@link ExitCode#BAD_INPUT}; a failed create leaves nothing behind.
     */
    void create(VmSpec spec, Path seedDir, Duration timeout);

    /**
     * The commands {@link #create} would run for {@code spec}, in order and shell-quoted, for
     * {@code vmbox create --dry-run}. Runs nothing and changes nothing; secrets handed over on stdin are
     * named, never shown.
     */
    List<String> createCommands(VmSpec spec, Path seedDir, Duration timeout);

    void start(String name, Duration timeout);

    /** Stops the VM; stopping a VM that is already stopped is not an error. */
    void stop(String name, StopMode mode, Duration timeout);

    /** Removes the VM and everything the provider made for it; deleting what does not exist is not an error. */
    void delete(String name, Duration timeout);

    /** Never throws because the VM does not exist: that is {@link VmState#NOT_CREATED}. */
    VmStatus inspect(String name);

    /** The VMs this provider holds for vmbox (not other VMs on the same host). */
    List<VmStatus> list();

    /** Empty until SSH can be reached (VM not running, or no address yet). */
    Optional<SshEndpoint> sshEndpoint(String name);

    /**
     * CPUs, memory and free disk of the machine the VMs run on when it is not this one (a remote libvirt
     * host); empty when the VMs run here.
     */
    default java.util.Optional<HostCapacity> remoteCapacity() {
        return Optional.empty();
    }

    /**
     * Whether the VM's egress is sealed at the hypervisor, read from the VM itself; empty when this
     * provider has no such seal.
     */
    default Optional<Boolean> hypervisorEgressSealed(String name) {
        return Optional.empty();
    }

    /**
     * Closes the guest's egress at the hypervisor (the fetch-window's end), taking effect from the next
     * boot: the caller stops and starts the VM. Only where {@link Capabilities#hypervisorEgressSeal()}.
     */
    default void sealEgress(String name, Duration timeout) {
        throw new VmboxException(ExitCode.UNAVAILABLE, id() + " cannot seal egress at the hypervisor",
                "egress is sealed by nftables inside the guest on this provider");
    }
}
