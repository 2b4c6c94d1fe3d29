package dev.vmbox.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * This machine's PCI devices, from sysfs under {@code root} ("/" in production, a fixture tree in tests).
 *
 * @param memory the GPUs' memory, or null when it is not read
 */
public record LocalPciHost(PciScanner scanner, GpuMemory memory, Path root) implements PciHost {

    @Override
    public String name() {
        return "this host";
    }

    @Override
    public boolean remote() {
        return false;
    }

    @Override
    public List<PciDevice> devices() {
        return scanner.devices();
    }

    @Override
    public boolean iommuEnabled() {
        return scanner.iommuEnabled();
    }

    @Override
    public List<PciDevice> iommuGroupMembers(int group) {
        return scanner.iommuGroupMembers(group);
    }

    @Override
    public OptionalLong gpuMemory(PciDevice gpu) {
        return memory == null ? OptionalLong.empty() : memory.of(gpu);
    }

    /** The vfio-pci driver is bound somewhere, loaded, or installed as a module of some kernel here. */
    @Override
    public boolean vfioAvailable() {
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

    @Override
    public boolean amdCpu() {
        try {
            Path cpuinfo = root.resolve("proc/cpuinfo");
            return Files.isRegularFile(cpuinfo) && Files.readString(cpuinfo).contains("AuthenticAMD");
        } catch (IOException e) {
            return false;
        }
    }
}
