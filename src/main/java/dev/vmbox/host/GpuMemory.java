package dev.vmbox.host;

import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How much memory a GPU has, where the host can tell: AMD's driver shows it in sysfs
 * ({@code mem_info_vram_total}); NVIDIA's through {@code nvidia-smi} while the nvidia driver holds the card.
 * A card already bound to vfio-pci shows nothing: then the user says it with {@code --gpu-memory}.
 */
public record GpuMemory(Path root, CommandRunner runner) {
    public OptionalLong of(PciDevice gpu) {
        Path amd = root.resolve("sys/bus/pci/devices").resolve(gpu.address()).resolve("mem_info_vram_total");
        try {
            if (Files.isRegularFile(amd)) {
                return OptionalLong.of(Long.parseLong(Files.readString(amd).trim()));
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        if ("nvidia".equals(gpu.driver())) {
            try {
                String out = runner.run(Command.of(Duration.ofSeconds(15), "nvidia-smi",
                        "--query-gpu=pci.bus_id,memory.total", "--format=csv,noheader,nounits")).stdout();
                Optional<Long> bytes = fromNvidiaSmi(out, gpu.address());
                return bytes.isPresent() ? OptionalLong.of(bytes.get()) : OptionalLong.empty();
            } catch (VmboxException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    /**
     * The memory of the GPU at {@code address} in bytes, from {@code nvidia-smi --query-gpu=pci.bus_id,memory.total
     * --format=csv,noheader,nounits} (lines like {@code 00000000:01:00.0, 24564}, MiB).
     */
    public static Optional<Long> fromNvidiaSmi(String out, String address) {
        for (String line : (out == null ? "" : out).split("\\R")) {
            String[] f = line.split(",");
            if (f.length == 2 && address.length() > 5 && f[0].trim().toLowerCase(Locale.ROOT).endsWith(address.substring(5))) {
                try {
                    return Optional.of(Long.parseLong(f[1].trim()) * 1024 * 1024);
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
