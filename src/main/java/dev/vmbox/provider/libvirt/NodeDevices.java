package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandException;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.host.GpuMemory;
import dev.vmbox.host.PciDevice;
import dev.vmbox.host.PciHost;
import dev.vmbox.log.EventLog;
import dev.vmbox.ssh.JumpHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The PCI devices of a remote libvirt host, for planning GPU passthrough there with the same checks as on this
 * machine. libvirt tells most of it over its own connection: {@code nodedev-list --cap pci}, then every device's
 * {@code nodedev-dumpxml} (class, vendor, driver, IOMMU group and its members) together with
 * {@code domcapabilities} (whether the host offers VFIO: IOMMU on and /dev/vfio present) and
 * {@code capabilities} (the CPU vendor, for the IOMMU kernel parameter) in one virsh command string, so one
 * connection serves them all. What libvirt does not show is read over ssh from the host's sysfs, the way
 * libvirt's own transport logs in: {@code boot_vga} of VGA devices and AMD cards' memory, in one {@code grep};
 * NVIDIA cards' memory from {@code nvidia-smi} when the nvidia driver holds them. If that ssh command cannot
 * run, those facts are unknown, and an unknown boot display is never passed through.
 */
final class NodeDevices implements PciHost {
    private static final Pattern NAME = Pattern.compile("pci_[0-9a-f]{4}_[0-9a-f]{2}_[0-9a-f]{2}_[0-7]");
    private static final Pattern SYSFS_LINE = Pattern.compile(
            "/sys/bus/pci/devices/([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7])/(boot_vga|mem_info_vram_total):(\\d{1,18})");
    private static final int MAX_DEVICES = 16384;
    /** Dumps per virsh command string: well under Linux's 128 KiB limit for one argument, and quick to answer. */
    private static final int BATCH = 400;
    /** A file every Linux host has: its line in grep's answer proves ssh ran vmbox's command, not a forced one. */
    private static final String PROBE_FILE = "/proc/sys/kernel/ostype";
    static final Duration SSH_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SSH_CONNECT = Duration.ofSeconds(15);

    private final CommandRunner runner;
    private final LibvirtCli cli;
    private final String uri;
    private final JumpHost host;
    private final EventLog log;
    private Snapshot snapshot;
    private Map<String, Long> nvidiaMemory;

    /** What was read once per vmbox run: the devices, the host's VFIO backends and CPU vendor, and sysfs facts. */
    record Snapshot(List<PciDevice> devices, Map<Integer, Set<String>> groups, Set<String> pciBackends, String cpuVendor,
                    Map<String, Long> vram, Optional<String> sysfsUnreadable) {
    }

    NodeDevices(CommandRunner runner, LibvirtCli cli, String uri, JumpHost host, EventLog log) {
        this.runner = runner;
        this.cli = cli;
        this.uri = uri;
        this.host = host;
        this.log = log;
    }

    @Override
    public String name() {
        return host.host();
    }

    @Override
    public boolean remote() {
        return true;
    }

    @Override
    public List<PciDevice> devices() {
        return snapshot().devices();
    }

    @Override
    public boolean iommuEnabled() {
        return devices().stream().anyMatch(d -> d.iommuGroup() != null);
    }

    /**
     * The group's members as libvirt lists them; a member it did not describe (unplugged between the listing and
     * the dumps) is refused rather than left out, since the whole group must go to the VM.
     */
    @Override
    public List<PciDevice> iommuGroupMembers(int group) {
        List<PciDevice> members = devices().stream().filter(d -> d.iommuGroup() != null && d.iommuGroup() == group).toList();
        Set<String> listed = snapshot().groups().getOrDefault(group, Set.of());
        List<String> missing = listed.stream().filter(a -> members.stream().noneMatch(d -> d.address().equals(a))).sorted().toList();
        if (!missing.isEmpty()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "IOMMU group " + group + " on " + host.host() + " holds "
                    + String.join(", ", missing) + ", which libvirt did not describe (removed meanwhile?)",
                    "try again; if it persists, check 'virsh -c " + uri + " nodedev-dumpxml' for that device");
        }
        return members;
    }

    /**
     * libvirt lists {@code vfio} among the PCI backends of {@code domcapabilities} only when the host has IOMMU
     * groups and {@code /dev/vfio/vfio}; without it libvirt refuses any PCI hostdev.
     */
    @Override
    public boolean vfioAvailable() {
        return snapshot().pciBackends().contains("vfio");
    }

    @Override
    public boolean amdCpu() {
        return snapshot().cpuVendor().toUpperCase(Locale.ROOT).contains("AMD");
    }

    @Override
    public Optional<String> bootDisplayUnreadable() {
        return snapshot().sysfsUnreadable();
    }

    @Override
    public synchronized OptionalLong gpuMemory(PciDevice gpu) {
        Long amd = snapshot().vram().get(gpu.address());
        if (amd != null) {
            return OptionalLong.of(amd);
        }
        if (!"nvidia".equals(gpu.driver())) {
            return OptionalLong.empty();
        }
        if (nvidiaMemory == null) {
            nvidiaMemory = new HashMap<>();
            if (snapshot().sysfsUnreadable().isPresent()) {
                return OptionalLong.empty(); // ssh did not run vmbox's command there: do not wait for it twice
            }
            try {
                String out = runner.run(Command.of(SSH_TIMEOUT, host.commandArgv(List.of("nvidia-smi",
                        "--query-gpu=pci.bus_id,memory.total", "--format=csv,noheader,nounits"), SSH_CONNECT))).stdout();
                for (PciDevice d : devices()) {
                    GpuMemory.fromNvidiaSmi(out, d.address()).ifPresent(v -> nvidiaMemory.put(d.address(), v));
                }
            } catch (VmboxException e) {
                log.debug("libvirt host " + host.display() + ": nvidia-smi over ssh failed: " + e.getMessage());
            }
        }
        Long v = nvidiaMemory.get(gpu.address());
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** Whether the devices were read already (this run asked for them): then nothing more runs to use them. */
    synchronized boolean isRead() {
        return snapshot != null;
    }

    private synchronized Snapshot snapshot() {
        if (snapshot == null) {
            snapshot = read();
        }
        return snapshot;
    }

    private Snapshot read() {
        List<String> names = new ArrayList<>();
        String listed;
        try {
            listed = runner.run(cli.nodedevListPci()).stdout();
        } catch (CommandFailedException e) {
            throw LibvirtErrors.translate(e, "list the PCI devices of the libvirt host", uri);
        }
        for (String line : listed.split("\\R")) {
            String n = line.trim();
            if (NAME.matcher(n).matches()) {
                names.add(n);
            }
        }
        if (names.isEmpty()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "libvirt at " + uri + " lists no PCI devices, so vmbox cannot "
                    + "plan a GPU there", "check that 'virsh -c " + uri + " nodedev-list --cap pci' lists the host's devices "
                    + "(the account may not be allowed to see them), or create without --gpu");
        }
        if (names.size() > MAX_DEVICES) {
            throw VmboxException.failed("libvirt at " + uri + " lists " + names.size() + " PCI devices, more than vmbox reads",
                    "create without --gpu", null);
        }
        NodeDeviceXml parsed = null;
        for (int from = 0; from < names.size(); from += BATCH) {
            List<String> commands = new ArrayList<>();
            if (from == 0) {
                commands.addAll(List.of("capabilities", "domcapabilities"));
            }
            names.subList(from, Math.min(names.size(), from + BATCH)).forEach(n -> commands.add("nodedev-dumpxml " + n));
            NodeDeviceXml part = NodeDeviceXml.parse(batch(commands));
            parsed = parsed == null ? part : parsed.and(part);
        }
        if (parsed.devices().isEmpty()) {
            throw VmboxException.failed("libvirt at " + uri + " listed PCI devices but described none of them",
                    "check that 'virsh -c " + uri + " nodedev-dumpxml " + names.get(0) + "' works", null);
        }
        if (!parsed.described()) {
            throw VmboxException.failed("libvirt at " + uri + " did not describe its capabilities (virsh capabilities, "
                    + "domcapabilities)", "check that 'virsh -c " + uri + " domcapabilities' works", null);
        }
        if (parsed.devices().stream().noneMatch(d -> d.classCode().startsWith("0x"))) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "libvirt at " + uri + " does not report PCI device classes, "
                    + "so vmbox cannot tell its GPUs", "upgrade libvirt on " + host.host() + ", or create without --gpu");
        }
        Map<String, Long> vram = new HashMap<>();
        Map<String, String> bootVga = new HashMap<>();
        Optional<String> unreadable = Optional.empty();
        List<String> files = new ArrayList<>();
        for (PciDevice d : parsed.devices()) {
            if (d.isVga()) {
                files.add("/sys/bus/pci/devices/" + d.address() + "/boot_vga");
            }
            if (d.isGpu() && "0x1002".equals(d.vendorId()) && d.driver() != null && !"vfio-pci".equals(d.driver())) {
                files.add("/sys/bus/pci/devices/" + d.address() + "/mem_info_vram_total");
            }
        }
        if (!files.isEmpty()) {
            List<String> words = new ArrayList<>(List.of("grep", "-H", ".", PROBE_FILE));
            words.addAll(files);
            try {
                CommandResult r = runAllowingPartial(Command.of(SSH_TIMEOUT, host.commandArgv(words, SSH_CONNECT)));
                boolean ran = false;
                for (String line : r.stdout().split("\\R")) {
                    Matcher m = SYSFS_LINE.matcher(line.trim());
                    if (line.trim().startsWith(PROBE_FILE + ":")) {
                        ran = true;
                    } else if (m.matches() && m.group(2).equals("boot_vga")) {
                        bootVga.put(m.group(1), m.group(3));
                    } else if (m.matches()) {
                        vram.put(m.group(1), Long.parseLong(m.group(3)));
                    }
                }
                if (!ran) {
                    unreadable = Optional.of("ssh there did not run vmbox's command (the account may be limited to a "
                            + "forced command such as virt-ssh-helper)");
                }
            } catch (VmboxException e) {
                unreadable = Optional.of("reading its sysfs over ssh failed (" + e.getMessage() + ")");
            }
            unreadable.ifPresent(u -> log.debug("libvirt host " + host.display() + ": " + u));
        }
        List<PciDevice> devices = new ArrayList<>();
        for (PciDevice d : parsed.devices()) {
            PciDevice.BootDisplay boot = !d.isVga() ? PciDevice.BootDisplay.NO
                    : "1".equals(bootVga.get(d.address())) ? PciDevice.BootDisplay.YES
                    : "0".equals(bootVga.get(d.address())) ? PciDevice.BootDisplay.NO : PciDevice.BootDisplay.UNKNOWN;
            devices.add(new PciDevice(d.address(), d.vendorId(), d.deviceId(), d.classCode(), d.driver(), d.iommuGroup(), boot,
                    d.vendorName(), d.description()));
        }
        if (unreadable.isEmpty() && devices.stream().anyMatch(d -> d.boot() == PciDevice.BootDisplay.UNKNOWN)) {
            unreadable = Optional.of("its sysfs shows no boot_vga for some VGA devices");
        }
        log.debug("libvirt host " + host.display() + ": " + devices.size() + " PCI devices, VFIO "
                + (parsed.pciBackends().contains("vfio") ? "offered" : "not offered"));
        return new Snapshot(List.copyOf(devices), parsed.groups(), parsed.pciBackends(), parsed.cpuVendor(), Map.copyOf(vram),
                unreadable);
    }

    /**
     * One virsh command string. virsh goes on after a failed command and exits with the last one's status: a
     * device that vanished between the listing and its dump is absent from the answer, not an error.
     */
    private String batch(List<String> commands) {
        try {
            return runner.run(cli.batch(commands)).stdout();
        } catch (CommandFailedException e) {
            LibvirtOutput.Failure f = LibvirtOutput.classify(e.result().stderr());
            if (f == LibvirtOutput.Failure.DAEMON_DOWN || f == LibvirtOutput.Failure.UNREACHABLE || e.result().stdout().isBlank()) {
                throw LibvirtErrors.translate(e, "read the PCI devices of the libvirt host", uri);
            }
            return e.result().stdout();
        }
    }

    /** grep exits 2 when one file is missing and still prints the others; ssh's own failures are 255. */
    private CommandResult runAllowingPartial(Command command) {
        try {
            return runner.run(command);
        } catch (CommandFailedException e) {
            if (e.result().exitCode() == 255 || e.result().stdout().isBlank()) {
                String why = e.result().stderrTail(1).trim();
                throw VmboxException.failed(why.isEmpty() ? "ssh exited with " + e.result().exitCode() : why, "", e);
            }
            return e.result();
        } catch (CommandException e) {
            throw VmboxException.failed(e.getMessage(), "", e);
        }
    }
}
