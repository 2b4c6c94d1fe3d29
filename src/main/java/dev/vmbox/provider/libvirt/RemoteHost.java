package dev.vmbox.provider.libvirt;

import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.HostCapacity;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@link LibvirtProvider} reads of a remote libvirt host (a {@code qemu+ssh} URI): its CPUs, memory, the free
 * space of vmbox's pool, and its PCI devices. On a local URI it reads nothing.
 */
final class RemoteHost {
    private final CommandRunner runner;
    private final LibvirtCli cli;
    private final LibvirtConfig config;
    private final EventLog log;
    private NodeDevices devices;

    RemoteHost(CommandRunner runner, LibvirtCli cli, LibvirtConfig config, EventLog log) {
        this.runner = runner;
        this.cli = cli;
        this.config = config;
        this.log = log;
    }

    /** The remote host's PCI devices, read once per vmbox run and only when asked (a GPU request). */
    synchronized NodeDevices nodeDevices() {
        if (devices == null) {
            devices = new NodeDevices(runner, cli, config.uri(), config.jumpHost().orElseThrow(), log);
        }
        return devices;
    }

    List<Command> capacityCommands() {
        return config.local() ? List.of() : List.of(cli.poolInfo(PoolVolumes.POOL), cli.nodeinfo());
    }

    /**
     * The remote host's CPUs and memory ({@code virsh nodeinfo}), the free space of its pool if it has one, and its PCI
     * devices (read only if a GPU is asked for).
     */
    Optional<HostCapacity> capacity() {
        if (config.local()) {
            return Optional.empty();
        }
        OptionalLong free = OptionalLong.empty();
        try {
            free = LibvirtOutput.poolAvailable(runner.run(cli.poolInfo(PoolVolumes.POOL)).stdout());
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) != LibvirtOutput.Failure.NO_POOL) {
                throw LibvirtErrors.translate(e, "read the storage pool " + PoolVolumes.POOL, config.uri());
            }
        }
        try {
            return Optional.of(LibvirtOutput.nodeinfo(runner.run(cli.nodeinfo()).stdout(), free).withPci(nodeDevices()));
        } catch (CommandFailedException e) {
            throw LibvirtErrors.translate(e, "read the resources of the libvirt host", config.uri());
        } catch (IllegalArgumentException e) {
            throw VmboxException.failed("cannot read the resources of the libvirt host at " + config.uri() + ": "
                    + e.getMessage(), "check that 'virsh -c " + config.uri() + " nodeinfo' works", e);
        }
    }
}
