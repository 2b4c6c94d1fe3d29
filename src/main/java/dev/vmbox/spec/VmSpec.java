package dev.vmbox.spec;

import dev.vmbox.VmboxException;
import java.util.Objects;

/**
 * The machine vmbox asks a provider for: name, size, image, egress policy and GPU. Providers validate it
 * further against what they can honour ({@code Provider.validate}).
 *
 * @param name   instance name ({@link InstanceName}'s rule)
 * @param cpus   virtual CPUs, at least 1
 * @param memory guest memory, at least 512 MiB
 * @param disk   root disk size, at least 2 GiB (the overlay can be larger than the image; never smaller)
 * @param image  image name as the image cache knows it, e.g. {@code vmbox-debian-12}, {@code ubuntu-24.04}
 * @param egress what the guest may reach
 * @param gpu    GPU passthrough request
 */
public record VmSpec(String name, int cpus, ByteSize memory, ByteSize disk, String image, EgressPolicy egress,
                     GpuRequest gpu) {
    public static final String DEFAULT_IMAGE = "vmbox-debian-12";

    public VmSpec {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(egress, "egress");
        Objects.requireNonNull(gpu, "gpu");
        InstanceName.of(name);
        if (cpus < 1 || cpus > 512) {
            throw VmboxException.badInput("invalid CPU count " + cpus, "use between 1 and 512 CPUs");
        }
        if (memory.compareTo(ByteSize.ofMiB(512)) < 0) {
            throw VmboxException.badInput("memory " + memory + " is too small", "give the VM at least 512MiB");
        }
        if (disk.compareTo(ByteSize.ofGiB(2)) < 0) {
            throw VmboxException.badInput("disk " + disk + " is too small", "give the VM at least 2GiB of disk");
        }
        if (image == null || image.isBlank()) {
            image = DEFAULT_IMAGE;
        }
    }

    /** A small sealed VM with the default image and no GPU. */
    public static VmSpec of(String name, int cpus, ByteSize memory, ByteSize disk) {
        return new VmSpec(name, cpus, memory, disk, DEFAULT_IMAGE, EgressPolicy.SEALED, GpuRequest.NONE);
    }

    public VmSpec withImage(String newImage) {
        return new VmSpec(name, cpus, memory, disk, newImage, egress, gpu);
    }

    public VmSpec withEgress(EgressPolicy newEgress) {
        return new VmSpec(name, cpus, memory, disk, image, newEgress, gpu);
    }

    public VmSpec withGpu(GpuRequest newGpu) {
        return new VmSpec(name, cpus, memory, disk, image, egress, newGpu);
    }
}
