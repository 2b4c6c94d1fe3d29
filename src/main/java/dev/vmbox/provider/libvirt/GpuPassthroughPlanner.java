package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.host.PciDevice;
import dev.vmbox.host.PciScanner;
import dev.vmbox.spec.GpuRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Plans VFIO passthrough of a GPU for libvirt's managed {@code <hostdev>}: checks that the IOMMU is on,
 * the GPU is not the host's boot display, its whole IOMMU group can go (every endpoint passed together,
 * bridges excluded, nothing from another slot the host may need) and that vfio-pci is available so
 * libvirt can detach the host drivers. Each failed check says which, why, and the fix.
 */
public final class GpuPassthroughPlanner implements PassthroughPlanner {
    private final PciScanner scanner;
    private final Path root;

    /** @param root "/" in production: where /sys, /proc and /lib/modules are read */
    public GpuPassthroughPlanner(PciScanner scanner, Path root) {
        this.scanner = scanner;
        this.root = root;
    }

    @Override
    public List<String> plan(GpuRequest request) {
        if (!request.wanted()) {
            return List.of();
        }
        if (!scanner.iommuEnabled()) {
            throw new VmboxException(ExitCode.UNAVAILABLE,
                    "GPU passthrough needs the IOMMU, which is off on this host (no IOMMU groups in /sys/kernel/iommu_groups)",
                    "enable " + (amd() ? "AMD-Vi/IOMMU" : "VT-d") + " in the firmware setup and add the kernel parameters "
                            + (amd() ? "amd_iommu=on iommu=pt" : "intel_iommu=on iommu=pt")
                            + " (GRUB_CMDLINE_LINUX in /etc/default/grub, then sudo update-grub) and reboot");
        }
        PciDevice gpu = choose(request);
        if (gpu.bootVga()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "GPU " + gpu.address() + " (" + gpu.vendorName() + " "
                    + gpu.description() + ") is the host's boot display; passing it through would take the host's screen away",
                    "use another GPU with --gpu ADDRESS, or set the firmware to boot on another display (e.g. the integrated GPU)");
        }
        if (gpu.iommuGroup() == null) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "GPU " + gpu.address() + " is in no IOMMU group",
                    "check that the IOMMU covers this slot (kernel log: dmesg | grep -i -e DMAR -e IOMMU)");
        }
        List<PciDevice> members = scanner.iommuGroupMembers(gpu.iommuGroup());
        List<PciDevice> endpoints = members.stream().filter(d -> !d.isBridge()).toList();
        List<PciDevice> foreign = endpoints.stream().filter(d -> !d.slot().equals(gpu.slot())).toList();
        if (!foreign.isEmpty()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "GPU " + gpu.address() + " shares IOMMU group " + gpu.iommuGroup()
                    + " with " + describe(foreign) + "; the whole group would have to go to the VM, taking devices the host may need",
                    "move the GPU to another slot, or enable ACS in the firmware so the slot gets its own group "
                            + "(see /sys/kernel/iommu_groups/" + gpu.iommuGroup() + "/devices)");
        }
        List<PciDevice> boot = endpoints.stream().filter(PciDevice::bootVga).toList();
        if (!boot.isEmpty()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "IOMMU group " + gpu.iommuGroup() + " holds the host's boot display "
                    + describe(boot), "use another GPU with --gpu ADDRESS");
        }
        boolean needsDetach = endpoints.stream().anyMatch(d -> d.driver() != null && !d.driver().equals("vfio-pci"));
        if (needsDetach && !vfioAvailable()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "the vfio-pci driver is not available, so libvirt cannot take "
                    + describe(endpoints) + " from the host drivers",
                    "load it: sudo modprobe vfio-pci (and add vfio-pci to /etc/modules-load.d/), or bind the devices to vfio-pci "
                            + "at boot with the kernel parameter vfio-pci.ids=" + endpoints.stream()
                            .map(d -> strip(d.vendorId()) + ":" + strip(d.deviceId())).distinct().collect(Collectors.joining(",")));
        }
        return endpoints.stream().map(PciDevice::address).sorted().toList();
    }

    private PciDevice choose(GpuRequest request) {
        List<PciDevice> gpus = scanner.gpus();
        if (request.mode() == GpuRequest.Mode.ADDRESS) {
            PciDevice d = scanner.find(request.address()).orElseThrow(() -> VmboxException.notFound(
                    "no PCI device at " + request.address(), "list the GPUs with: vmbox doctor (or lspci -D | grep -e VGA -e 3D)"));
            if (!d.isGpu()) {
                throw VmboxException.badInput(request.address() + " is not a GPU (" + d.description() + ")",
                        "pick a display controller: " + (gpus.isEmpty() ? "this host has none" : describe(gpus)));
            }
            return d;
        }
        List<PciDevice> candidates = gpus.stream().filter(d -> !d.bootVga()).toList();
        if (candidates.isEmpty()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, gpus.isEmpty() ? "this host has no GPU to pass through"
                    : "the only GPU here, " + describe(gpus) + ", is the host's boot display",
                    gpus.isEmpty() ? "run without --gpu" : "add a second GPU for the VM, or run without --gpu");
        }
        if (candidates.size() > 1) {
            throw VmboxException.badInput("--gpu auto found several GPUs: " + describe(candidates), "pick one with --gpu ADDRESS");
        }
        return candidates.get(0);
    }

    private boolean vfioAvailable() {
        if (Files.isDirectory(root.resolve("sys/bus/pci/drivers/vfio-pci")) || Files.isDirectory(root.resolve("sys/module/vfio_pci"))) {
            return true;
        }
        Path modules = root.resolve("lib/modules");
        if (!Files.isDirectory(modules)) {
            return false;
        }
        try (Stream<Path> kernels = Files.list(modules)) {
            for (Path k : kernels.toList()) {
                Path dir = k.resolve("kernel/drivers/vfio/pci");
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> files = Files.list(dir)) {
                        if (files.anyMatch(f -> f.getFileName().toString().startsWith("vfio-pci.ko"))) {
                            return true;
                        }
                    }
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private boolean amd() {
        try {
            Path cpuinfo = root.resolve("proc/cpuinfo");
            return Files.isRegularFile(cpuinfo) && Files.readString(cpuinfo).contains("AuthenticAMD");
        } catch (IOException e) {
            return false;
        }
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
