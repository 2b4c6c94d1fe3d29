package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.host.Virtualization;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.PlannedCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The domain type: kvm when libvirt offers it and the CPU of the machine the VM runs on really virtualizes, qemu
 * (software emulation, slow) otherwise. libvirt lists kvm wherever /dev/kvm exists, even where it is PVM or unusable
 * (no vmx/svm), and a kvm domain then fails to boot stock kernels. This machine's CPU is read from /proc/cpuinfo; a
 * remote host's from {@code virsh capabilities}, whose CPU model is expanded with {@code cpu-baseline --features}
 * when the flags are not listed beside it (EPYC-Rome's svm is in the model).
 */
record VirtTypes(LibvirtConfig config, LibvirtCli cli, Path hostRoot, EventLog log) {
    /** The commands that decide it (none when the type is configured); the expanded CPU is read from {@code cpuFile}. */
    List<PlannedCommand> commands(Path cpuFile) {
        List<PlannedCommand> out = new ArrayList<>();
        if (config.virtType() == VirtType.AUTO) {
            out.add(PlannedCommand.always(cli.capabilities()));
            if (!config.local()) {
                out.add(PlannedCommand.when("when the capabilities list no vmx/svm beside the host's CPU model",
                        cli.cpuBaseline(cpuFile)));
            }
        }
        return out;
    }

    /** Decides the type, running {@link #commands}; the host CPU's description is written to {@code cpuFile} (0600). */
    VirtType resolve(LibvirtExec exec, Path cpuFile) {
        if (config.virtType() != VirtType.AUTO) {
            return config.virtType();
        }
        String capabilities = exec.run(cli.capabilities(), "read libvirt's capabilities", config.uri()).stdout();
        Set<String> types = LibvirtProbe.domainTypes(capabilities);
        boolean hardware = config.local() ? hardwareVirtualization(Virtualization.probeLinux(hostRoot))
                : hostCpuVirtualizes(exec, capabilities, cpuFile);
        if (types.contains("kvm") && hardware) {
            return VirtType.KVM;
        }
        if (!types.contains("qemu")) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "libvirt at " + config.uri() + " offers neither kvm nor qemu guests "
                    + "for x86_64", "install QEMU: sudo apt-get install qemu-system-x86");
        }
        log.warn("no usable KVM " + (config.local() ? "here" : "on " + config.uri()) + " (" + (types.contains("kvm")
                ? "the CPU shows no vmx/svm flags" : "libvirt offers no kvm domains")
                + "): using software emulation (domain type qemu), which is many times slower");
        return VirtType.QEMU;
    }

    /**
     * Whether the CPU really virtualizes. Whether /dev/kvm is openable is libvirt's business (it runs QEMU as its
     * own user), so only the CPU side is checked.
     */
    static boolean hardwareVirtualization(Virtualization v) {
        return (v.cpuFlag() || v.vendorModule()) && !v.pvmOnly();
    }

    private boolean hostCpuVirtualizes(LibvirtExec exec, String capabilities, Path cpuFile) {
        if (LibvirtProbe.hasVirtualizationFeature(capabilities)) {
            return true;
        }
        Optional<String> cpu = LibvirtProbe.hostCpu(capabilities);
        if (cpu.isEmpty()) {
            return false;
        }
        Command baseline = cli.cpuBaseline(cpuFile);
        try {
            FileModes.writePrivate(cpuFile, cpu.get());
            return LibvirtProbe.hasVirtualizationFeature(exec.run(baseline).stdout());
        } catch (IOException | CommandFailedException e) {
            return false; // software emulation, with the warning that says so
        } finally {
            try {
                Files.deleteIfExists(cpuFile);
            } catch (IOException ignored) {
                // a CPU description; nothing secret in it
            }
        }
    }
}
