package dev.vmbox.provider.libvirt;

import dev.vmbox.host.PciDevice;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** What one virsh command string printed: device documents, then what domcapabilities and capabilities say. */
record NodeDeviceXml(List<PciDevice> devices, Map<Integer, Set<String>> groups, Set<String> pciBackends, String cpuVendor,
                     boolean described) {
    /** This batch's answer followed by the next one's (which has no capability documents). */
    NodeDeviceXml and(NodeDeviceXml next) {
        List<PciDevice> all = new ArrayList<>(devices);
        all.addAll(next.devices());
        all.sort(Comparator.comparing(PciDevice::address));
        Map<Integer, Set<String>> g = new HashMap<>(groups);
        next.groups().forEach((k, v) -> g.merge(k, v, (a, b) -> {
            Set<String> u = new LinkedHashSet<>(a);
            u.addAll(b);
            return Set.copyOf(u);
        }));
        return new NodeDeviceXml(List.copyOf(all), Map.copyOf(g), pciBackends, cpuVendor, described);
    }

    /** Parses the concatenated XML documents of {@code capabilities; domcapabilities; nodedev-dumpxml ...}. */
    static NodeDeviceXml parse(String stdout) {
        String body = stdout == null ? "" : stdout.replaceAll("<\\?xml[^>]*\\?>", "");
        Element root = DomainXml.parse("<vmbox-batch>" + body + "</vmbox-batch>").getDocumentElement();
        List<PciDevice> devices = new ArrayList<>();
        Map<Integer, Set<String>> groups = new HashMap<>();
        Set<String> backends = new LinkedHashSet<>();
        String cpuVendor = "";
        boolean domcaps = false;
        boolean caps = false;
        for (Element doc : children(root)) {
            switch (doc.getTagName()) {
                case "device" -> device(doc).ifPresent(d -> {
                    devices.add(d);
                    if (d.iommuGroup() != null) {
                        groups.computeIfAbsent(d.iommuGroup(), k -> new LinkedHashSet<>()).addAll(groupAddresses(doc));
                    }
                });
                case "domainCapabilities" -> {
                    domcaps = true;
                    for (Element e : descendants(doc, "enum")) {
                        if ("pciBackend".equals(e.getAttribute("name"))) {
                            children(e).forEach(v -> backends.add(v.getTextContent().trim()));
                        }
                    }
                }
                case "capabilities" -> {
                    caps = true;
                    for (Element host : children(doc)) {
                        if (host.getTagName().equals("host")) {
                            cpuVendor = child(host, "cpu").flatMap(cpu -> child(cpu, "vendor")).map(v -> v.getTextContent().trim())
                                    .orElse("");
                        }
                    }
                }
                default -> {
                    // nothing else is asked for
                }
            }
        }
        devices.sort(Comparator.comparing(PciDevice::address));
        Map<Integer, Set<String>> frozen = new HashMap<>();
        groups.forEach((k, v) -> frozen.put(k, Set.copyOf(v)));
        return new NodeDeviceXml(List.copyOf(devices), Map.copyOf(frozen), Set.copyOf(backends), cpuVendor, domcaps && caps);
    }

    /** The member addresses a device's {@code <iommuGroup>} lists (its own included). */
    private static List<String> groupAddresses(Element device) {
        List<String> out = new ArrayList<>();
        for (Element g : descendants(device, "iommuGroup")) {
            for (Element a : children(g)) {
                try {
                    out.add(String.format(Locale.ROOT, "%04x:%02x:%02x.%x", Integer.decode(a.getAttribute("domain")),
                            Integer.decode(a.getAttribute("bus")), Integer.decode(a.getAttribute("slot")),
                            Integer.decode(a.getAttribute("function"))));
                } catch (NumberFormatException e) {
                    // not an address libvirt writes: ignored
                }
            }
        }
        return out;
    }

    private static Optional<PciDevice> device(Element device) {
        Optional<Element> pci = children(device).stream()
                .filter(e -> e.getTagName().equals("capability") && "pci".equals(e.getAttribute("type"))).findFirst();
        if (pci.isEmpty()) {
            return Optional.empty();
        }
        Element cap = pci.get();
        Integer domain = number(cap, "domain");
        Integer bus = number(cap, "bus");
        Integer slot = number(cap, "slot");
        Integer function = number(cap, "function");
        if (domain == null || bus == null || slot == null || function == null || domain > 0xffff || bus > 0xff
                || slot > 0x1f || function > 7) {
            return Optional.empty();
        }
        String address = String.format(Locale.ROOT, "%04x:%02x:%02x.%x", domain, bus, slot, function);
        String cls = child(cap, "class").map(e -> e.getTextContent().trim().toLowerCase(Locale.ROOT))
                .filter(c -> c.matches("0x[0-9a-f]{6}")).orElse("");
        Optional<Element> vendor = child(cap, "vendor");
        Optional<Element> product = child(cap, "product");
        String vendorId = vendor.map(e -> e.getAttribute("id").toLowerCase(Locale.ROOT)).orElse("");
        String deviceId = product.map(e -> e.getAttribute("id").toLowerCase(Locale.ROOT)).orElse("");
        String vendorText = vendor.map(e -> e.getTextContent().trim()).orElse("");
        String productText = product.map(e -> e.getTextContent().trim()).orElse("");
        String driver = child(device, "driver").flatMap(d -> child(d, "name")).map(e -> e.getTextContent().trim())
                .filter(d -> !d.isEmpty()).orElse(null);
        Integer group = child(cap, "iommuGroup").map(g -> g.getAttribute("number"))
                .filter(n -> n.matches("\\d{1,6}")).map(Integer::valueOf).orElse(null);
        String known = PciDevice.vendorName(vendorId);
        String vendorName = !known.equals(vendorId) ? known : vendorText.isEmpty() ? vendorId : vendorText;
        return Optional.of(new PciDevice(address, vendorId, deviceId, cls, driver, group, PciDevice.BootDisplay.UNKNOWN,
                vendorName, productText.isEmpty() ? PciDevice.className(cls) : productText));
    }

    private static Integer number(Element parent, String tag) {
        return child(parent, tag).map(e -> e.getTextContent().trim()).filter(t -> t.matches("\\d{1,6}"))
                .map(Integer::valueOf).orElse(null);
    }

    private static Optional<Element> child(Element parent, String tag) {
        return children(parent).stream().filter(e -> e.getTagName().equals(tag)).findFirst();
    }

    private static List<Element> children(Element parent) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.add(e);
            }
        }
        return out;
    }

    private static List<Element> descendants(Element parent, String tag) {
        NodeList list = parent.getElementsByTagName(tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < list.getLength(); i++) {
            out.add((Element) list.item(i));
        }
        return out;
    }
}
