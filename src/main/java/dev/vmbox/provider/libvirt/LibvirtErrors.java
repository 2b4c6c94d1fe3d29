package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.CommandFailedException;

/** Turns a failed virsh or qemu-img call into the one-line error and hint a person can act on. */
final class LibvirtErrors {
    private LibvirtErrors() {
    }

    static VmboxException translate(CommandFailedException e, String action, String uri) {
        String stderr = e.result().stderr();
        String why = e.result().stderrTail(2);
        if (why.isEmpty()) {
            why = "exit code " + e.exitCodeOfCommand();
        }
        return switch (LibvirtOutput.classify(stderr)) {
            case DAEMON_DOWN -> new VmboxException(ExitCode.UNAVAILABLE,
                    "cannot " + action + ": libvirtd is not running at " + uri + " (" + why + ")",
                    "start it: sudo systemctl start libvirtd (or virtqemud); without systemd: sudo libvirtd -d", e);
            case UNREACHABLE -> new VmboxException(ExitCode.UNAVAILABLE,
                    "cannot " + action + ": libvirt at " + uri + " is unreachable (" + why + ")",
                    "check the URI and that 'virsh -c " + uri + " version' works (SSH access, host name, libvirtd on that host)", e);
            case PERMISSION -> new VmboxException(ExitCode.UNAVAILABLE,
                    "cannot " + action + ": permission denied by libvirt at " + uri + " (" + why + ")",
                    "add your user to the 'libvirt' group (sudo adduser $USER libvirt, then log in again), or use qemu:///session", e);
            case NO_SPACE -> new VmboxException(ExitCode.FAILED, "cannot " + action + ": no space left on device (" + why + ")",
                    "free disk space where instance disks live, or give the VM a smaller --disk", e);
            case NOT_FOUND -> new VmboxException(ExitCode.NOT_FOUND, "cannot " + action + ": no such VM (" + why + ")",
                    "see the VMs with: vmbox list", e);
            case EXISTS -> new VmboxException(ExitCode.IN_USE, "cannot " + action + ": it already exists (" + why + ")",
                    "pick another name, or delete the old one first", e);
            default -> new VmboxException(ExitCode.FAILED, "cannot " + action + ": " + why,
                    "run with --debug to see the command; libvirt's log is in /var/log/libvirt/qemu/", e);
        };
    }
}
