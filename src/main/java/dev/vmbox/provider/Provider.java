package dev.vmbox.provider;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.spec.VmSpec;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
     * Gets ready, on this machine, what {@link #createPlan} is made from and that no provider command makes: e.g.
     * libvirt downloads and verifies the base image into the cache. May take minutes; a dry run skips it.
     */
    default void prepare(VmSpec spec, Duration timeout) {
    }

    /**
     * How this provider makes and boots the VM for {@code spec} from the NoCloud seed in {@code seed}: the steps, the
     * exact commands each runs and what undoes each. Runs nothing and changes nothing: what must be read first is read
     * by a (read-only) step of the plan. {@code timeout} is the whole create's: a provider's own wait in argv (e.g.
     * {@code limactl start --timeout}) is derived from it, never from what is left, so a dry run prints what the run
     * runs. Creating a VM that already exists fails in the plan's first step with {@link ExitCode#BAD_INPUT}; a
     * plan that fails leaves nothing behind (its steps are undone).
     */
    CreatePlan createPlan(VmSpec spec, SeedFiles seed, Duration timeout);

    /**
     * Whether this provider boots vmbox's own images from the image cache, runtime images included (libvirt): a
     * create for a runtime that has a runtime image there uses it, and only the model travels.
     */
    default boolean bootsRuntimeImages() {
        return false;
    }

    /**
     * What the provider does once the guest's first boot is over (cloud-init finished), as a plan like {@link
     * #createPlan}'s, run by the same runner and printed by a dry run: libvirt detaches the NoCloud seed, which holds
     * the guest's SSH host private key, from the VM's definition and deletes it. A plan with steps removes the seed: the
     * caller first tells the guest to run cloud-init no more (without its seed, cloud-init would take the next boot for
     * a new instance and make new host keys). Empty (the default) where the provider keeps a seed it needs at every
     * start.
     */
    default CreatePlan afterFirstBoot(String name) {
        return new CreatePlan(id(), List.of(), List.of());
    }

    /**
     * The commands that read the capacity of the machine the VMs run on when it is not this one ({@link
     * #remoteCapacity}), for a dry run to print instead of running them; empty when the VMs run here.
     */
    default List<dev.vmbox.exec.Command> remoteCapacityCommands() {
        return List.of();
    }

    /**
     * Whether the VM this provider holds under {@code name} is vmbox's, from what the provider keeps (libvirt: vmbox's
     * domain metadata; Lima: vmbox's marker in the lima.yaml). {@link #start}, {@link #stop} and {@link #delete} act
     * only on {@link Ownership.Kind#VMBOX}; where the provider keeps no mark ({@link Ownership.Kind#UNPROVEN}) the
     * caller proves it from inside the guest first. One query of the provider.
     */
    Ownership ownership(String name);

    /**
     * Whether {@link #ownership} can tell vmbox's VMs from others (libvirt, Lima), so that {@link #start}, {@link #stop}
     * and {@link #delete} refuse someone else's VM themselves. False where the provider keeps no mark (Multipass): then
     * the caller proves ownership from inside the guest before it asks for any of them.
     */
    default boolean keepsVmboxMark() {
        return true;
    }

    /**
     * The user this provider logs in to its guests as over SSH, itself, after vmbox's provisioning (Lima's host agent,
     * Multipass's daemon): vmbox's sshd drop-in lets it in beside the admin, with no forwarding of any kind
     * (docs/decisions/0013-provider-ssh-access.md). Empty when the provider never logs in to its guests (libvirt).
     */
    default Optional<String> ownSshUser() {
        return Optional.empty();
    }

    /** Starts the VM; refused (IN_USE) when the provider can tell the VM is not vmbox's ({@link #ownership}). */
    void start(String name, Duration timeout);

    /**
     * Makes the VM start again when the host (or the provider's daemon, or the user's session) starts, or no
     * longer, as far as the provider offers it; returns what was done, in one line for people. Refused (IN_USE) when
     * the provider can tell the VM is not vmbox's.
     */
    String setAutostart(String name, boolean on, Duration timeout);

    /**
     * Stops the VM; stopping a VM that is already stopped is not an error. Refused (IN_USE) when the provider can tell
     * the VM is not vmbox's.
     */
    void stop(String name, StopMode mode, Duration timeout);

    /**
     * Removes the VM and everything the provider made for it; deleting what does not exist is not an error. Refused
     * (IN_USE, nothing touched) when the provider can tell the VM is not vmbox's.
     */
    void delete(String name, Duration timeout);

    /** Never throws because the VM does not exist: that is {@link VmState#NOT_CREATED}. */
    VmStatus inspect(String name);

    /** The VMs this provider holds for vmbox (not other VMs on the same host), asked in one query. */
    List<VmStatus> list();

    /**
     * {@link #inspect} for each of {@code names}, asked in one query of the provider however many they are (libvirt:
     * one virsh command per connection; Lima and Multipass: their one list), so that listing instances costs one
     * provider process (on a remote libvirt host, one ssh connection) rather than one per instance. One entry per
     * name, in the order given; a provider that cannot be asked throws, as {@link #inspect} does.
     */
    default Map<String, VmStatus> inspectAll(Collection<String> names) {
        Map<String, VmStatus> listed = new HashMap<>();
        for (VmStatus s : list()) {
            listed.put(s.name(), s);
        }
        Map<String, VmStatus> out = new LinkedHashMap<>();
        for (String name : names) {
            out.put(name, listed.getOrDefault(name, VmStatus.notCreated(name, id())));
        }
        return out;
    }

    /** Empty until SSH can be reached (VM not running, or no address yet). */
    Optional<SshEndpoint> sshEndpoint(String name);

    /**
     * Whether the guest's sshd has started, by the VM's serial console log ({@link BootConsole}), where this provider
     * keeps one this process can read; empty when it cannot tell. A wait for SSH opens no connection while this says
     * false.
     */
    default Optional<Boolean> sshdStarted(String name) {
        return Optional.empty();
    }

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
