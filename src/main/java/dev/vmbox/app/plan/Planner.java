package dev.vmbox.app.plan;

import dev.vmbox.VmboxException;
import dev.vmbox.host.GpuMemory;
import dev.vmbox.host.PciDevice;
import dev.vmbox.host.PciScanner;
import dev.vmbox.model.ModelInfo;
import dev.vmbox.model.fetch.ModelInspector;
import dev.vmbox.model.sizing.Gpu;
import dev.vmbox.model.sizing.GpuMode;
import dev.vmbox.model.sizing.HostResources;
import dev.vmbox.model.sizing.Plan;
import dev.vmbox.model.sizing.Sizer;
import dev.vmbox.provider.HostCapacity;
import dev.vmbox.model.sizing.SizingRequest;
import dev.vmbox.spec.GpuRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code vmbox plan}: the model's shape (from its GGUF header, the catalogue or the registry), the
 * host's resources and passthrough-capable GPUs, and the sized VM with its reasoning.
 */
public final class Planner {
    private final ModelInspector inspector;
    private final PciScanner pci;
    private final GpuMemory gpuMemory;
    private final Path dataDir;

    public Planner(ModelInspector inspector, PciScanner pci, GpuMemory gpuMemory, Path dataDir) {
        this.inspector = inspector;
        this.pci = pci;
        this.gpuMemory = gpuMemory;
        this.dataDir = dataDir;
    }

    public Plan plan(PlanRequest r) {
        return plan(r, Optional.empty());
    }

    /**
     * Plans for {@code remote} when the VM runs on another machine (a remote libvirt host): its CPUs and memory,
     * the free space of its pool (this machine's when unknown; the download cache is here either way), and no
     * GPU, since passthrough is planned from a host's own /sys.
     */
    public Plan plan(PlanRequest r, Optional<HostCapacity> remote) {
        ModelInfo info = r.modelFile()
                .map(f -> ModelInspector.inspectFile(f).withName(r.model().canonical()))
                .orElseGet(() -> inspector.inspect(r.model(), r.modelSha256()));
        GpuMode mode = switch (r.gpu().mode()) {
            case NONE -> GpuMode.OFF;
            case AUTO -> GpuMode.AUTO;
            case ADDRESS -> GpuMode.REQUIRED;
        };
        if (remote.isPresent() && mode == GpuMode.REQUIRED) {
            throw new VmboxException(dev.vmbox.ExitCode.UNAVAILABLE, "GPU passthrough on a remote libvirt host is not "
                    + "supported: vmbox checks IOMMU groups, boot display and drivers in the host's own /sys",
                    "run vmbox on the GPU host (qemu:///system), or create without --gpu");
        }
        List<Gpu> gpus = mode == GpuMode.OFF || remote.isPresent() ? List.of() : gpus(r.gpu(), r.gpuMemory());
        SizingRequest sr = SizingRequest.of(info, r.runtime()).withGpuMode(mode).withKvCache(r.kvCache())
                .withOverrides(r.cpus(), r.memoryBytes(), r.diskBytes());
        if (r.context() > 0) {
            sr = sr.withContext(r.context());
        }
        HostResources here = HostResources.ofThisMachine(dataDir, gpus);
        HostResources host = remote.map(c -> new HostResources(c.cpus(), c.memoryBytes(),
                c.freeDiskBytes().orElse(here.freeDiskBytes()), List.of())).orElse(here);
        return Sizer.plan(sr, host);
    }

    /** GPUs that could be passed through (never the boot display), with their memory where it is known. */
    List<Gpu> gpus(GpuRequest request, OptionalLong given) {
        List<Gpu> out = new ArrayList<>();
        for (PciDevice d : pci.gpus()) {
            if (d.bootVga() || d.iommuGroup() == null) {
                continue;
            }
            if (request.mode() == GpuRequest.Mode.ADDRESS && !d.address().equals(PciScanner.normalise(request.address()))) {
                continue;
            }
            OptionalLong vram = given.isPresent() ? given : gpuMemory.of(d);
            if (vram.isPresent()) {
                out.add(new Gpu(d.vendorName() + " " + d.description(), d.address(), vram.getAsLong()));
            }
        }
        if (request.mode() == GpuRequest.Mode.ADDRESS && out.isEmpty()) {
            Optional<PciDevice> d = pci.find(request.address());
            throw VmboxException.badInput(d.isEmpty() ? "no PCI device " + request.address() + " on this host"
                            : "GPU " + request.address() + " cannot be planned for: "
                            + (d.get().bootVga() ? "it is the host's boot display"
                            : d.get().iommuGroup() == null ? "the IOMMU is off" : "its memory size is unknown"),
                    "see `vmbox doctor`; give the card's memory with --gpu-memory when the host cannot read it");
        }
        return out;
    }
}
