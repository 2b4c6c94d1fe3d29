package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.host.PciDevice;
import dev.vmbox.host.PciHost;
import dev.vmbox.spec.GpuRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Plans VFIO passthrough of a GPU for libvirt's managed {@code <hostdev>}: checks that the IOMMU is on,
 * the GPU is not the host's boot display, its whole IOMMU group can go (every endpoint passed together,
 * bridges excluded, nothing from another slot the host may need) and that vfio-pci is available so
 * libvirt can detach the host drivers. Each failed check says which, why, and the fix, and where to apply it
 * when the host is a remote libvirt host.
 */
public final class GpuPassthroughPlanner implements PassthroughPlanner {
    private final PciHost host;

    public GpuPassthroughPlanner(PciHost host) {
        this.host = host;
    }

    @Override
    public List<String> plan(GpuRequest request) {
        if (!request.wanted()) {
            return List.of();
        }
        String fix = host.fixPrefix();
        if (!host.iommuEnabled()) {
            throw new VmboxException(ExitCode.UNAVAILABLE,
                    "GPU passthrough needs the IOMMU, which is off " + host.where() + " (no IOMMU groups"
                            + (host.remote() ? " among its PCI devices)" : " in /sys/kernel/iommu_groups)"),
                    fix + "enable " + (host.amdCpu() ? "AMD-Vi/IOMMU" : "VT-d") + " in the firmware setup and add the kernel parameters "
                            + (host.amdCpu() ? "amd_iommu=on iommu=pt" : "intel_iommu=on iommu=pt")
                            + " (GRUB_CMDLINE_LINUX in /etc/default/grub, then sudo update-grub) and reboot");
        }
        PciDevice gpu = choose(request);
        if (gpu.mayBeBootDisplay()) {
            throw bootDisplay(gpu, "use another GPU with --gpu ADDRESS, or set the firmware to boot on another display "
                    + "(e.g. the integrated GPU)");
        }
        if (gpu.iommuGroup() == null) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "GPU " + gpu.address() + " " + host.where() + " is in no IOMMU group",
                    fix + "check that the IOMMU covers this slot (kernel log: dmesg | grep -i -e DMAR -e IOMMU)");
        }
        List<PciDevice> members = host.iommuGroupMembers(gpu.iommuGroup());
        List<PciDevice> endpoints = members.stream().filter(d -> !d.isBridge()).toList();
        List<PciDevice> foreign = endpoints.stream().filter(d -> !d.slot().equals(gpu.slot())).toList();
        if (!foreign.isEmpty()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "GPU " + gpu.address() + " " + host.where() + " shares IOMMU group "
                    + gpu.iommuGroup() + " with " + describe(foreign) + "; the whole group would have to go to the VM, taking "
                    + "devices the host may need",
                    fix + "move the GPU to another slot, or enable ACS in the firmware so the slot gets its own group "
                            + "(see /sys/kernel/iommu_groups/" + gpu.iommuGroup() + "/devices)");
        }
        List<PciDevice> boot = endpoints.stream().filter(PciDevice::mayBeBootDisplay).toList();
        if (!boot.isEmpty()) {
            throw bootDisplay(boot.get(0), "use another GPU with --gpu ADDRESS");
        }
        boolean needsDetach = endpoints.stream().anyMatch(d -> d.driver() != null && !d.driver().equals("vfio-pci"));
        if (needsDetach && !host.vfioAvailable()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "the vfio-pci driver is not available " + host.where()
                    + ", so libvirt cannot take " + describe(endpoints) + " from the host drivers",
                    fix + "load it: sudo modprobe vfio-pci (and add vfio-pci to /etc/modules-load.d/), or bind the devices to "
                            + "vfio-pci at boot with the kernel parameter vfio-pci.ids=" + endpoints.stream()
                            .map(d -> strip(d.vendorId()) + ":" + strip(d.deviceId())).distinct().collect(Collectors.joining(",")));
        }
        return endpoints.stream().map(PciDevice::address).sorted().toList();
    }

    private VmboxException bootDisplay(PciDevice d, String hint) {
        if (d.bootVga()) {
            return new VmboxException(ExitCode.UNAVAILABLE, "GPU " + d.address() + " (" + d.vendorName() + " " + d.description()
                    + ") is the boot display " + host.where() + "; passing it through would take the host's screen away", hint);
        }
        return new VmboxException(ExitCode.UNAVAILABLE, "cannot tell whether " + d.address() + " (" + d.vendorName() + " "
                + d.description() + ") is the boot display " + host.where() + ": "
                + host.bootDisplayUnreadable().orElse("its boot_vga could not be read"),
                "let the account of the libvirt URI run commands over ssh on " + host.name()
                        + " (vmbox reads /sys/bus/pci/devices/*/boot_vga there), or " + hint);
    }

    private PciDevice choose(GpuRequest request) {
        List<PciDevice> gpus = host.gpus();
        if (request.mode() == GpuRequest.Mode.ADDRESS) {
            PciDevice d = host.find(request.address()).orElseThrow(() -> VmboxException.notFound(
                    "no PCI device at " + request.address() + " " + host.where(), host.remote()
                            ? "list the GPUs on " + host.name() + ": lspci -D | grep -e VGA -e 3D"
                            : "list the GPUs with: vmbox doctor (or lspci -D | grep -e VGA -e 3D)"));
            if (!d.isGpu()) {
                throw VmboxException.badInput(request.address() + " " + host.where() + " is not a GPU (" + d.description() + ")",
                        "pick a display controller: " + (gpus.isEmpty() ? "there is none " + host.where() : describe(gpus)));
            }
            return d;
        }
        List<PciDevice> candidates = gpus.stream().filter(d -> !d.mayBeBootDisplay()).toList();
        if (candidates.isEmpty()) {
            Optional<PciDevice> unknown = gpus.stream().filter(d -> d.mayBeBootDisplay() && !d.bootVga()).findFirst();
            if (unknown.isPresent()) {
                throw bootDisplay(unknown.get(), "pick one with --gpu ADDRESS once it is known not to be the host's display");
            }
            throw new VmboxException(ExitCode.UNAVAILABLE, gpus.isEmpty() ? "there is no GPU to pass through " + host.where()
                    : "the only GPU " + host.where() + ", " + describe(gpus) + ", is its boot display",
                    gpus.isEmpty() ? "run without --gpu" : "add a second GPU for the VM, or run without --gpu");
        }
        if (candidates.size() > 1) {
            throw VmboxException.badInput("--gpu auto found several GPUs " + host.where() + ": " + describe(candidates),
                    "pick one with --gpu ADDRESS");
        }
        return candidates.get(0);
    }

    private static String describe(List<PciDevice> devices) {
        List<String> parts = new ArrayList<>();
        for (PciDevice d : devices) {
            parts.add(d.address() + " (" + d.vendorName() + " " + d.description()
                    + (d.driver() == null ? "" : ", driver " + d.driver()) + ")");
        }
        return String.join(", ", parts);
    }

    private static String strip(String hex) {
        return hex.startsWith("0x") ? hex.substring(2) : hex;
    }
}
