package dev.vmbox.app.doctor;

import dev.vmbox.VmboxException;
import dev.vmbox.app.doctor.Check.Status;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.host.HostResources;
import dev.vmbox.host.PciDevice;
import dev.vmbox.host.LocalPciHost;
import dev.vmbox.host.PciHost;
import dev.vmbox.host.PciScanner;
import dev.vmbox.provider.HostCapacity;
import dev.vmbox.host.Virtualization;
import dev.vmbox.provider.Availability;
import dev.vmbox.provider.ProviderProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Tells what this host can do before the user asks for a VM: providers, hardware virtualisation,
 * resources, IOMMU and GPUs, helper tools. Each row says OK / MISSING / PROBLEM and what to do.
 * Reads /sys, /proc and /dev under an injectable root so tests run on fixture trees.
 */
public record Doctor(List<ProviderProbe> probes, Path root, String osName, Executables executables, CommandRunner runner,
                     Path home) {
    private static final long GIB = 1024L * 1024 * 1024;

    private boolean mac() {
        return osName.toLowerCase(Locale.ROOT).contains("mac");
    }

    public DoctorReport run() {
        List<Check> checks = new ArrayList<>();
        List<Availability> providers = new ArrayList<>();
        for (ProviderProbe p : probes) {
            Availability a = p.probe();
            providers.add(a);
            checks.add(providerCheck(a));
        }
        virtualization(checks);
        host(checks);
        if (!mac()) {
            gpus(checks);
        }
        tools(checks);
        return new DoctorReport(List.copyOf(checks), List.copyOf(providers));
    }

    private void virtualization(List<Check> checks) {
        if (mac()) {
            String hv = "";
            try {
                hv = runner.run(Command.of(Duration.ofSeconds(5), "sysctl", "-n", "kern.hv_support")).stdout().trim();
            } catch (VmboxException e) {
                hv = "";
            }
            if ("1".equals(hv)) {
                checks.add(new Check("virtualization", "Hypervisor.framework", Status.OK,
                        "available (Lima uses vz or qemu with hvf)", null));
            } else {
                checks.add(new Check("virtualization", "Hypervisor.framework", Status.PROBLEM,
                        "not available (kern.hv_support=" + (hv.isEmpty() ? "?" : hv) + "): VMs would be very slow",
                        "run on a Mac with hardware virtualization (not inside another VM)"));
            }
            return;
        }
        Virtualization v = Virtualization.probeLinux(root);
        checks.add(new Check("virtualization", "/dev/kvm", v.kvmUsable() ? Status.OK : Status.PROBLEM, v.describe(),
                v.hint()));
    }

    private void host(List<Check> checks) {
        HostResources r = HostResources.probe(root, osName, runner);
        checks.add(cpusCheck(r.cpus()));
        if (r.memoryBytes() > 0) {
            checks.add(memoryCheck(r.memoryBytes(), gib(r.memoryBytes()) + " total"
                    + (r.availableMemoryBytes() >= 0 ? ", " + gib(r.availableMemoryBytes()) + " available" : "")));
        } else {
            checks.add(new Check("host", "memory", Status.PROBLEM, "could not read the host's memory size", null));
        }
        long free = HostResources.freeDisk(home);
        if (free >= 0) {
            checks.add(diskCheck("disk", free, gib(free) + " free for " + home, "free some space or set VMBOX_HOME"));
        }
    }

    private static Check providerCheck(Availability a) {
        Status s = a.usable() ? Status.OK : a.installed() ? Status.PROBLEM : Status.MISSING;
        return new Check("providers", a.providerId(), s, a.detail(), a.hint());
    }

    private static Check cpusCheck(int cpus) {
        return new Check("host", "cpus", cpus >= 2 ? Status.OK : Status.PROBLEM, cpus + " logical CPUs",
                cpus >= 2 ? null : "a model VM needs at least 2 CPUs");
    }

    private static Check memoryCheck(long bytes, String detail) {
        boolean ok = bytes >= 4 * GIB;
        return new Check("host", "memory", ok ? Status.OK : Status.PROBLEM, detail,
                ok ? null : "even the smallest model VM needs about 2 GiB; 8 GiB or more is comfortable");
    }

    private static Check diskCheck(String name, long free, String detail, String fix) {
        boolean ok = free >= 10 * GIB;
        return new Check("host", name, ok ? Status.OK : Status.PROBLEM, detail,
                ok ? null : "a VM image plus a small model needs about 10 GiB; " + fix);
    }

    private void gpus(List<Check> checks) {
        gpus(checks, new LocalPciHost(new PciScanner(root), null, root), readSmall(root.resolve("proc/cmdline")));
    }

    /**
     * IOMMU and GPU rows for {@code pci}: this host, or a remote libvirt host ({@code cmdline} is this host's
     * kernel command line, empty for a remote one).
     */
    private static void gpus(List<Check> checks, PciHost pci, String cmdline) {
        boolean iommu = pci.iommuEnabled();
        String fix = pci.fixPrefix();
        if (iommu) {
            checks.add(new Check("gpu", "IOMMU", Status.OK, "on (IOMMU groups present): PCI passthrough possible", null));
        } else {
            checks.add(new Check("gpu", "IOMMU", Status.INFO,
                    "off " + pci.where() + ": no GPU passthrough" + (cmdline.contains("iommu") ? " (kernel command line mentions "
                            + "iommu, but the kernel made no groups)" : ""),
                    fix + "for GPU passthrough, enable VT-d/AMD-Vi in the firmware and boot with "
                            + (pci.amdCpu() ? "amd_iommu=on iommu=pt" : "intel_iommu=on iommu=pt")));
        }
        List<PciDevice> gpus = pci.gpus();
        if (gpus.isEmpty()) {
            checks.add(new Check("gpu", "GPUs", Status.INFO, "no GPU found on the PCI bus " + pci.where()
                    + ": models run on CPU", null));
        }
        for (PciDevice g : gpus) {
            checks.add(gpuCheck(pci, g, iommu));
        }
        if (pci.remote() && iommu && !gpus.isEmpty()) {
            checks.add(pci.vfioAvailable()
                    ? new Check("gpu", "VFIO", Status.OK, "libvirt " + pci.where() + " offers VFIO passthrough", null)
                    : new Check("gpu", "VFIO", Status.PROBLEM, "libvirt " + pci.where() + " offers no VFIO (no /dev/vfio/vfio)",
                            fix + "sudo modprobe vfio-pci, and add vfio-pci to /etc/modules-load.d/"));
        }
    }

    private static Check gpuCheck(PciHost pci, PciDevice g, boolean iommu) {
        String what = g.vendorName() + " " + g.description() + ", driver "
                + (g.driver() == null ? "none" : g.driver());
        if (!iommu || g.iommuGroup() == null) {
            return new Check("gpu", g.address(), Status.PROBLEM, what + "; not in an IOMMU group: cannot be passed through",
                    "turn the IOMMU on (see the IOMMU row)");
        }
        if (g.bootVga()) {
            return new Check("gpu", g.address(), Status.PROBLEM,
                    what + "; it is the host's boot display: passing it through would take the host's console away",
                    pci.fixPrefix() + "pass through a secondary GPU, or move the host display to another GPU in the firmware");
        }
        if (g.mayBeBootDisplay()) {
            return new Check("gpu", g.address(), Status.PROBLEM, what + "; whether it is the boot display cannot be told: "
                    + pci.bootDisplayUnreadable().orElse("boot_vga unreadable"),
                    "let the account of the libvirt URI run commands over ssh on " + pci.name());
        }
        List<PciDevice> others = pci.iommuGroupMembers(g.iommuGroup()).stream()
                .filter(d -> !d.address().equals(g.address()))
                .filter(d -> !d.isBridge())
                .toList();
        String group = "IOMMU group " + g.iommuGroup();
        List<PciDevice> foreign = others.stream().filter(d -> !d.slot().equals(g.slot())).toList();
        if (!foreign.isEmpty()) {
            String list = foreign.stream().map(d -> d.address() + " (" + d.description() + ")")
                    .collect(Collectors.joining(", "));
            return new Check("gpu", g.address(), Status.PROBLEM,
                    what + "; " + group + " also holds " + list + ": all of them would have to go to the VM together",
                    pci.fixPrefix() + "move the GPU to a slot with its own IOMMU group (a CPU-attached slot, or a board with ACS)");
        }
        String companions = others.isEmpty() ? "" : " with " + others.stream().map(PciDevice::address)
                .collect(Collectors.joining(", "));
        if ("vfio-pci".equals(g.driver())) {
            return new Check("gpu", g.address(), Status.OK, what + "; " + group + companions
                    + "; bound to vfio-pci: ready for passthrough", null);
        }
        return new Check("gpu", g.address(), Status.OK, what + "; " + group + companions
                + "; libvirt detaches the driver when the VM starts (managed hostdev)",
                g.driver() == null ? null : "the host must not be using this GPU (no display, no CUDA jobs) when the VM starts");
    }

    /**
     * {@code vmbox doctor --connect URI} for a remote libvirt host: libvirt there, its CPUs, memory and pool,
     * and its IOMMU and GPUs read through libvirt (and one ssh command), as {@code vmbox create --gpu} would.
     */
    public static DoctorReport remote(ProviderProbe libvirt, java.util.function.Supplier<Optional<HostCapacity>> capacity) {
        List<Check> checks = new ArrayList<>();
        Availability a = libvirt.probe();
        checks.add(providerCheck(a));
        if (a.usable()) {
            try {
                Optional<HostCapacity> c = capacity.get();
                if (c.isPresent()) {
                    HostCapacity h = c.get();
                    checks.add(cpusCheck(h.cpus()));
                    checks.add(memoryCheck(h.memoryBytes(), gib(h.memoryBytes()) + " total"));
                    checks.add(h.freeDiskBytes().isPresent()
                            ? diskCheck("pool vmbox", h.freeDiskBytes().getAsLong(), gib(h.freeDiskBytes().getAsLong()) + " free",
                                    "free space in the pool's folder")
                            : new Check("host", "pool vmbox", Status.INFO, "not there yet: the first create makes it", null));
                    if (h.pciHost().isPresent()) {
                        gpus(checks, h.pciHost().get(), "");
                    }
                }
            } catch (VmboxException e) {
                checks.add(new Check("host", "libvirt host", Status.PROBLEM, e.getMessage(), e.hint()));
            }
        }
        return new DoctorReport(List.copyOf(checks), List.of(a));
    }

    /**
     * The programs vmbox runs on this host, each checked by name on the PATH with its install hint: for libvirt
     * (on Linux, and on macOS where virsh is installed) virsh, qemu-img and cloud-localds, the only seed maker
     * libvirt create runs (it writes the ISO with genisoimage); for every provider ssh-keygen (each instance's
     * keys) and ssh (the API tunnel, {@code vmbox ssh}); on Linux mmdebstrap for {@code vmbox image build}.
     */
    private void tools(List<Check> checks) {
        if (!mac() || executables.find("virsh").isPresent()) {
            tool(checks, "virsh", "drives libvirt");
            tool(checks, "qemu-img", "makes each VM's disk overlay (libvirt)");
            seedMaker(checks);
        }
        if (!mac()) {
            tool(checks, "mmdebstrap", "builds vmbox's own Debian image (vmbox image build)");
        }
        tool(checks, "ssh", "carries the API tunnel; interactive `vmbox ssh`");
        tool(checks, "ssh-keygen", "makes each instance's client and host keys");
    }

    /** cloud-localds, and the genisoimage it runs for an ISO 9660 seed: another ISO tool does not stand in. */
    private void seedMaker(List<Check> checks) {
        String purpose = "makes the cloud-init seed disk (libvirt)";
        Optional<Path> localds = executables.find("cloud-localds");
        if (localds.isEmpty()) {
            checks.add(new Check("tools", "cloud-localds", Status.MISSING, "not found (" + purpose + ")",
                    Executables.installHint("cloud-localds")));
        } else if (executables.find("genisoimage").isEmpty()) {
            checks.add(new Check("tools", "cloud-localds", Status.PROBLEM, localds.get() + " found, but genisoimage, which"
                    + " it runs to write the seed, is not (" + purpose + ")", Executables.installHint("genisoimage")));
        } else {
            checks.add(new Check("tools", "cloud-localds", Status.OK, localds.get() + " (" + purpose + ")", null));
        }
    }

    private void tool(List<Check> checks, String name, String purpose) {
        Optional<Path> p = executables.find(name);
        checks.add(p.isPresent()
                ? new Check("tools", name, Status.OK, p.get() + " (" + purpose + ")", null)
                : new Check("tools", name, Status.MISSING, "not found (" + purpose + ")", Executables.installHint(name)));
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) GIB);
    }

    private static String readSmall(Path p) {
        try {
            return Files.size(p) < 65536 ? Files.readString(p) : "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
