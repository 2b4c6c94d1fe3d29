package dev.vmbox.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads PCI devices and IOMMU groups from sysfs under an injectable root ({@code /} in production,
 * a fixture tree in tests). Never throws for a missing or odd entry: what cannot be read is absent.
 */
public final class PciScanner {
    private static final int MAX_DEVICES = 4096;

    private final Path root;
    private List<PciDevice> cache;

    public PciScanner(Path root) {
        this.root = root;
    }

    private Path devicesDir() {
        return root.resolve("sys/bus/pci/devices");
    }

    private Path groupsDir() {
        return root.resolve("sys/kernel/iommu_groups");
    }

    public synchronized List<PciDevice> devices() {
        if (cache != null) {
            return cache;
        }
        List<PciDevice> out = new ArrayList<>();
        Map<String, String> names = PciIds.load(root);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(devicesDir())) {
            for (Path dev : ds) {
                if (out.size() >= MAX_DEVICES) {
                    break;
                }
                out.add(read(dev, names));
            }
        } catch (IOException | SecurityException e) {
            // no PCI bus visible (container, macOS): no devices
        }
        out.sort(Comparator.comparing(PciDevice::address));
        cache = List.copyOf(out);
        return cache;
    }

    public List<PciDevice> gpus() {
        return devices().stream().filter(PciDevice::isGpu).toList();
    }

    /** True when the kernel has IOMMU groups: the IOMMU is on and usable for passthrough. */
    public boolean iommuEnabled() {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(groupsDir())) {
            return ds.iterator().hasNext();
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Every device in the group, from the group's own listing (bridges included). */
    public List<PciDevice> iommuGroupMembers(int group) {
        Path dir = groupsDir().resolve(Integer.toString(group)).resolve("devices");
        List<String> addresses = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                addresses.add(p.getFileName().toString());
            }
        } catch (IOException | SecurityException e) {
            return List.of();
        }
        List<PciDevice> out = new ArrayList<>();
        for (String a : addresses) {
            find(a).ifPresent(out::add);
        }
        out.sort(Comparator.comparing(PciDevice::address));
        return out;
    }

    public Optional<PciDevice> find(String address) {
        String wanted = normalise(address);
        return devices().stream().filter(d -> d.address().equals(wanted)).findFirst();
    }

    /** Accepts 01:00.0 as shorthand for 0000:01:00.0; lower-cases hex. */
    public static String normalise(String address) {
        String a = address.trim().toLowerCase(Locale.ROOT);
        if (a.matches("[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]")) {
            return "0000:" + a;
        }
        return a;
    }

    private PciDevice read(Path dev, Map<String, String> names) {
        String address = dev.getFileName().toString();
        String vendor = readFirstLine(dev.resolve("vendor")).toLowerCase(Locale.ROOT);
        String device = readFirstLine(dev.resolve("device")).toLowerCase(Locale.ROOT);
        String cls = readFirstLine(dev.resolve("class")).toLowerCase(Locale.ROOT);
        String driver = linkName(dev.resolve("driver"));
        String group = linkName(dev.resolve("iommu_group"));
        Integer groupNo = null;
        if (group != null && group.matches("\\d{1,6}")) {
            groupNo = Integer.valueOf(group);
        }
        // the kernel gives every VGA device a boot_vga; one that cannot be read is not assumed to be "no"
        String bootVgaValue = readFirstLine(dev.resolve("boot_vga"));
        PciDevice.BootDisplay bootVga = "1".equals(bootVgaValue) ? PciDevice.BootDisplay.YES
                : "0".equals(bootVgaValue) || !cls.startsWith("0x0300") ? PciDevice.BootDisplay.NO : PciDevice.BootDisplay.UNKNOWN;
        String vendorName = names.getOrDefault(strip(vendor), PciDevice.vendorName(vendor));
        String description = names.getOrDefault(strip(vendor) + ":" + strip(device), PciDevice.className(cls));
        return new PciDevice(address, vendor, device, cls, driver, groupNo, bootVga, vendorName, description);
    }

    private static String strip(String hex) {
        return hex.startsWith("0x") ? hex.substring(2) : hex;
    }

    private static String linkName(Path link) {
        try {
            if (Files.isSymbolicLink(link)) {
                Path target = Files.readSymbolicLink(link);
                Path name = target.getFileName();
                return name == null ? null : name.toString();
            }
        } catch (IOException | SecurityException e) {
            return null;
        }
        return null;
    }

    private static String readFirstLine(Path file) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            String line = r.readLine();
            return line == null ? "" : line.trim();
        } catch (IOException | SecurityException | java.io.UncheckedIOException e) {
            return "";
        }
    }

    /** Vendor and device names from pciutils' pci.ids, when the host has it (read once, bounded). */
    static final class PciIds {
        private static final long MAX_BYTES = 8L * 1024 * 1024;

        static Map<String, String> load(Path root) {
            for (String candidate : List.of("usr/share/misc/pci.ids", "usr/share/hwdata/pci.ids")) {
                Path p = root.resolve(candidate);
                try {
                    if (Files.isRegularFile(p) && Files.size(p) <= MAX_BYTES) {
                        return parse(p);
                    }
                } catch (IOException e) {
                    // fall through
                }
            }
            return Map.of();
        }

        private static Map<String, String> parse(Path p) throws IOException {
            Map<String, String> out = new HashMap<>();
            String vendor = null;
            try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.isEmpty() || line.startsWith("#")) {
                        continue;
                    }
                    if (line.startsWith("C ")) {
                        break; // device classes follow; not needed
                    }
                    if (line.charAt(0) != '\t' && line.length() > 6 && line.charAt(4) == ' ') {
                        vendor = line.substring(0, 4).toLowerCase(Locale.ROOT);
                        out.put(vendor, line.substring(4).trim());
                    } else if (vendor != null && line.startsWith("\t") && !line.startsWith("\t\t") && line.length() > 6) {
                        String id = line.substring(1, 5).toLowerCase(Locale.ROOT);
                        out.put(vendor + ":" + id, line.substring(5).trim());
                    }
                }
            } catch (java.nio.charset.MalformedInputException e) {
                return out;
            }
            return out;
        }
    }
}
