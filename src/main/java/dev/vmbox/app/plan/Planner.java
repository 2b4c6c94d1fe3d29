package dev.vmbox.app.plan;

import dev.vmbox.VmboxException;
import dev.vmbox.host.PciDevice;
import dev.vmbox.host.PciHost;
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
 *
 * @param local   this machine's PCI devices, for VMs that run here
 * @param dataDir where the download cache lives, whose free space the plan checks
 */
public record Planner(ModelInspector inspector, PciHost local, Path dataDir) {
    public Plan plan(PlanRequest r) {
        return plan(r, Optional.empty());
    }

    /**
     * Plans for {@code remote} when the VM runs on another machine (a remote libvirt host): its CPUs and memory,
     * its PCI devices for a GPU, and the free space of its pool for the VM's disk (unknown before its pool is
     * made), while the download cache stays on this machine. A remote host that was not read ({@link
     * HostCapacity#unread()}) gives a plan of what the model needs, checked against nothing.
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
        List<Gpu> gpus = mode == GpuMode.OFF ? List.of() : gpus(pciHost(remote, mode), r.gpu(), r.gpuMemory());
        SizingRequest sr = SizingRequest.of(info, r.runtime().needs()).withGpuMode(mode).withKvCache(r.kvCache())
                .withOverrides(r.cpus(), r.memoryBytes(), r.diskBytes());
        if (r.context() > 0) {
            sr = sr.withContext(r.context());
        }
        HostResources here = HostResources.ofThisMachine(dataDir, gpus);
        HostResources host = remote.map(c -> c.read() ? new HostResources(c.cpus(), c.memoryBytes(),
                c.freeDiskBytes().orElse(HostResources.UNKNOWN), gpus, OptionalLong.of(here.freeDiskBytes()))
                : HostResources.unread(OptionalLong.of(here.freeDiskBytes()))).orElse(here);
        return Sizer.plan(sr, host);
    }

    /** The machine whose GPUs a request is planned on: this one, or the remote host when its devices can be read. */
    private PciHost pciHost(Optional<HostCapacity> remote, GpuMode mode) {
        if (remote.isEmpty()) {
            return local;
        }
        if (!remote.get().read()) {
            return null; // not contacted (a dry run): its GPUs are chosen by the run
        }
        Optional<PciHost> devices = remote.get().pciHost();
        if (devices.isEmpty() && mode == GpuMode.REQUIRED) {
            throw new VmboxException(dev.vmbox.ExitCode.UNAVAILABLE, "the PCI devices of the remote host are unknown, so "
                    + "no GPU can be planned there", "create without --gpu");
        }
        return devices.orElse(null);
    }

    /** The GPUs of {@code pci} that could be passed through (never a boot display), with their memory where known. */
    List<Gpu> gpus(PciHost pci, GpuRequest request, OptionalLong given) {
        List<Gpu> out = new ArrayList<>();
        if (pci == null) {
            return out;
        }
        List<String> unassessed = new ArrayList<>();
        for (PciDevice d : pci.gpus()) {
            if (request.mode() == GpuRequest.Mode.ADDRESS && !d.address().equals(PciScanner.normalise(request.address()))) {
                continue;
            }
            if (d.bootVga() || d.iommuGroup() == null) {
                continue; // cannot be passed through: --gpu auto goes on without it
            }
            if (d.mayBeBootDisplay()) {
                unassessed.add(d.address() + " " + pci.where() + " may be the boot display ("
                        + pci.bootDisplayUnreadable().orElse("boot_vga unreadable") + ")");
                continue;
            }
            OptionalLong vram = given.isPresent() ? given : pci.gpuMemory(d);
            if (vram.isPresent()) {
                out.add(new Gpu(d.vendorName() + " " + d.description(), d.address(), vram.getAsLong()));
            } else {
                unassessed.add(d.address() + " (" + d.vendorName() + " " + d.description() + ") " + pci.where()
                        + ": its memory size is unknown" + ("vfio-pci".equals(d.driver()) ? " (bound to vfio-pci)" : ""));
            }
        }
        if (request.mode() == GpuRequest.Mode.AUTO && out.isEmpty() && !unassessed.isEmpty()) {
            // a GPU is there but could not be sized or checked: say so rather than quietly run on the CPU
            throw VmboxException.badInput("--gpu auto cannot use " + String.join("; ", unassessed),
                    "give the card's memory with --gpu-memory SIZE (e.g. 24GiB)" + (pci.remote() ? ", let the libvirt URI's "
                            + "account run commands over ssh on " + pci.name() : "") + ", or run with --gpu none");
        }
        if (request.mode() == GpuRequest.Mode.ADDRESS && out.isEmpty()) {
            Optional<PciDevice> d = pci.find(request.address());
            throw VmboxException.badInput(d.isEmpty() ? "no PCI device " + request.address() + " " + pci.where()
                            : "GPU " + request.address() + " " + pci.where() + " cannot be planned for: "
                            + (d.get().bootVga() ? "it is the boot display"
                            : d.get().mayBeBootDisplay() ? "it may be the boot display (" + pci.bootDisplayUnreadable()
                                    .orElse("boot_vga unreadable") + ")"
                            : d.get().iommuGroup() == null ? "the IOMMU is off" : "its memory size is unknown"),
                    (pci.remote() ? "see lspci -D on " + pci.name() : "see `vmbox doctor`")
                            + "; give the card's memory with --gpu-memory when the host cannot read it");
        }
        return out;
    }
}
