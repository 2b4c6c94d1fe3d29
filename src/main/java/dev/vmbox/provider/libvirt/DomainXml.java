package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Generates libvirt domain XML from a {@link DomainDefinition} with the JDK's DOM (every value is set as
 * an attribute or text node, so it is escaped by the serializer), and reads back what vmbox keeps in the
 * domain's {@code <metadata>}.
 *
 * <p>Networking is QEMU user-mode networking passed through {@code <qemu:commandline>} (libvirt 9 in
 * Debian does not take the passt backend): one virtio-net NIC at an explicit PCI address on q35's root
 * bus, a single forward 127.0.0.1:PORT to guest port 22, and {@code restrict=on} when sealed, so the
 * hypervisor itself lets no packet out of the guest.
 */
public final class DomainXml {
    public static final String QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";
    public static final String VMBOX_NS = "https://vmbox.dev/xmlns/libvirt/1";
    static final String NETDEV_ID = "vmboxnet0";
    /** Where the NoCloud seed is attached (read-only virtio disk), until vmbox detaches it after the first boot. */
    static final String SEED_TARGET = "vdb";

    private DomainXml() {
    }

    public static String render(DomainDefinition d) {
        Document doc = newBuilder().newDocument();
        Element domain = doc.createElement("domain");
        domain.setAttribute("type", d.virtType().xmlName());
        domain.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:qemu", QEMU_NS);
        doc.appendChild(domain);
        text(doc, domain, "name", d.domainName());

        Element metadata = child(doc, domain, "metadata");
        Element instance = doc.createElementNS(VMBOX_NS, "vmbox:instance");
        metadata.appendChild(instance);
        Element name = doc.createElementNS(VMBOX_NS, "vmbox:name");
        name.setTextContent(d.instance());
        instance.appendChild(name);
        Element port = doc.createElementNS(VMBOX_NS, "vmbox:ssh-port");
        port.setTextContent(Integer.toString(d.sshPort()));
        instance.appendChild(port);
        Element sealed = doc.createElementNS(VMBOX_NS, "vmbox:network-restricted");
        sealed.setTextContent(Boolean.toString(d.restrictNetwork()));
        instance.appendChild(sealed);

        text(doc, domain, "memory", Long.toString(d.memoryKiB())).setAttribute("unit", "KiB");
        text(doc, domain, "currentMemory", Long.toString(d.memoryKiB())).setAttribute("unit", "KiB");
        text(doc, domain, "vcpu", Integer.toString(d.cpus())).setAttribute("placement", "static");

        Element os = child(doc, domain, "os");
        Element type = text(doc, os, "type", "hvm");
        type.setAttribute("arch", "x86_64");
        type.setAttribute("machine", "q35");
        if (d.image().directKernelBoot()) {
            text(doc, os, "kernel", d.image().kernel().toString());
            text(doc, os, "initrd", d.image().initrd().toString());
            text(doc, os, "cmdline", d.image().cmdline());
        } else {
            child(doc, os, "boot").setAttribute("dev", "hd");
        }

        Element features = child(doc, domain, "features");
        child(doc, features, "acpi");
        child(doc, features, "apic");
        if (d.virtType() == VirtType.KVM) {
            Element cpu = child(doc, domain, "cpu");
            cpu.setAttribute("mode", "host-passthrough");
        }
        child(doc, domain, "clock").setAttribute("offset", "utc");
        text(doc, domain, "on_poweroff", "destroy");
        text(doc, domain, "on_reboot", "restart");
        text(doc, domain, "on_crash", "destroy");

        Element devices = child(doc, domain, "devices");
        // on q35's root bus, as the NIC: no PCIe root port per device for the guest's kernel and udev to bring up at
        // every boot (each costs boot time under software emulation); GPUs passed through get their own ports
        Element root = disk(doc, devices, "qcow2", d.overlay().toString(), "vda", false, 0x02);
        if (d.baseReadableAsIs()) {
            // the shared base, read as it is: libvirt would make QEMU's user its owner at every start
            Element backing = doc.createElement("backingStore");
            backing.setAttribute("type", "file");
            root.insertBefore(backing, root.getElementsByTagName("target").item(0));
            child(doc, backing, "format").setAttribute("type", d.image().format());
            Element source = child(doc, backing, "source");
            source.setAttribute("file", d.image().disk().toString());
            Element label = child(doc, source, "seclabel");
            label.setAttribute("model", "dac");
            label.setAttribute("relabel", "no");
        }
        disk(doc, devices, "raw", d.seed().toString(), SEED_TARGET, true, 0x03);
        Element serial = child(doc, devices, "serial");
        serial.setAttribute("type", "pty");
        Element log = child(doc, serial, "log");
        log.setAttribute("file", d.consoleLog().toString());
        log.setAttribute("append", "off");
        child(doc, serial, "target").setAttribute("port", "0");
        Element console = child(doc, devices, "console");
        console.setAttribute("type", "pty");
        Element consoleTarget = child(doc, console, "target");
        consoleTarget.setAttribute("type", "serial");
        consoleTarget.setAttribute("port", "0");
        Element rng = child(doc, devices, "rng");
        rng.setAttribute("model", "virtio");
        text(doc, rng, "backend", "/dev/urandom").setAttribute("model", "random");
        rootBusAddress(doc, rng, 0x04);
        child(doc, devices, "controller").setAttribute("type", "usb");
        ((Element) devices.getLastChild()).setAttribute("model", "none");
        child(doc, devices, "memballoon").setAttribute("model", "none");
        for (String address : d.hostdevs()) {
            Element hostdev = child(doc, devices, "hostdev");
            hostdev.setAttribute("mode", "subsystem");
            hostdev.setAttribute("type", "pci");
            hostdev.setAttribute("managed", "yes");
            Element addr = child(doc, child(doc, hostdev, "source"), "address");
            addr.setAttribute("domain", "0x" + address.substring(0, 4));
            addr.setAttribute("bus", "0x" + address.substring(5, 7));
            addr.setAttribute("slot", "0x" + address.substring(8, 10));
            addr.setAttribute("function", "0x" + address.substring(11));
        }

        Element commandline = doc.createElementNS(QEMU_NS, "qemu:commandline");
        domain.appendChild(commandline);
        qemuArg(doc, commandline, "-netdev");
        qemuArg(doc, commandline, netdev(d.sshPort(), d.restrictNetwork()));
        qemuArg(doc, commandline, "-device");
        qemuArg(doc, commandline, "virtio-net-pci,netdev=" + NETDEV_ID + ",mac=" + d.macAddress() + ",bus=pcie.0,addr=0x10");
        return serialize(doc);
    }

    /**
     * The user-mode netdev: one loopback forward to guest SSH; {@code restrict=on} seals the guest. IPv6 is off whatever
     * the policy: in QEMU's user network every address of its IPv6 prefix but the DNS forwarder is the host's own
     * {@code ::1}, as every address of 10.0.2.0/24 but 10.0.2.3 is the host's 127.0.0.1, and QEMU 7.2 has no option
     * to refuse the host's loopback (libslirp's {@code disable_host_loopback} is not exposed): without restrict=on
     * only the guest's nftables keep it from the host's IPv4 loopback; its IPv6 one is not there at all.
     */
    static String netdev(int sshPort, boolean restrict) {
        return "user,id=" + NETDEV_ID + (restrict ? ",restrict=on" : "") + ",ipv6=off,hostfwd=tcp:127.0.0.1:" + sshPort
                + "-:22";
    }

    /** The vmbox instance named in the metadata of a domain vmbox made; empty for other domains. */
    public static Optional<String> instanceName(String domainXml) {
        return metadataValue(domainXml, "name");
    }

    /** The forwarded SSH port kept in the metadata of a domain vmbox made; empty for other domains. */
    public static Optional<Integer> sshPort(String domainXml) {
        return metadataValue(domainXml, "ssh-port").map(Integer::valueOf);
    }

    /** Whether the domain's network is restricted (sealed at the hypervisor) in this XML. */
    public static boolean networkRestricted(String domainXml) {
        Document doc = parse(domainXml);
        NodeList args = doc.getElementsByTagNameNS(QEMU_NS, "arg");
        for (int i = 0; i < args.getLength(); i++) {
            String v = ((Element) args.item(i)).getAttribute("value");
            if (v.startsWith("user,id=" + NETDEV_ID + ",")) {
                return restricts(v);
            }
        }
        return false;
    }

    /** Whether a user-mode {@code -netdev} value seals the guest ({@code restrict=on}, or QEMU's other spellings of on). */
    static boolean restricts(String netdev) {
        for (String option : netdev.split(",")) {
            if (option.equals("restrict=on") || option.equals("restrict=yes") || option.equals("restrict=true")
                    || option.equals("restrict=y")) {
                return true;
            }
        }
        return false;
    }

    /** Whether the domain still has its NoCloud seed disk attached. */
    public static boolean hasSeed(String domainXml) {
        NodeList targets = parse(domainXml).getElementsByTagName("target");
        for (int i = 0; i < targets.getLength(); i++) {
            Element t = (Element) targets.item(i);
            if (SEED_TARGET.equals(t.getAttribute("dev")) && "disk".equals(((Element) t.getParentNode()).getTagName())) {
                return true;
            }
        }
        return false;
    }

    /** The same definition with the user-mode network restricted ({@code restrict=on}). */
    public static String sealed(String domainXml) {
        Document doc = parse(domainXml);
        NodeList args = doc.getElementsByTagNameNS(QEMU_NS, "arg");
        boolean found = false;
        for (int i = 0; i < args.getLength(); i++) {
            Element arg = (Element) args.item(i);
            String v = arg.getAttribute("value");
            if (v.startsWith("user,id=" + NETDEV_ID + ",")) {
                found = true;
                if (!v.contains(",restrict=on")) {
                    arg.setAttribute("value", v.replace("user,id=" + NETDEV_ID + ",", "user,id=" + NETDEV_ID + ",restrict=on,"));
                }
            }
        }
        if (!found) {
            throw new VmboxException(ExitCode.FAILED, "the domain has no vmbox user-mode network to seal",
                    "it was not made by vmbox, or was edited by hand; recreate the instance");
        }
        NodeList flags = doc.getElementsByTagNameNS(VMBOX_NS, "network-restricted");
        for (int i = 0; i < flags.getLength(); i++) {
            flags.item(i).setTextContent("true");
        }
        return serialize(doc);
    }

    private static Optional<String> metadataValue(String domainXml, String local) {
        Document doc = parse(domainXml);
        NodeList nodes = doc.getElementsByTagNameNS(VMBOX_NS, local);
        if (nodes.getLength() == 0) {
            return Optional.empty();
        }
        String v = nodes.item(0).getTextContent();
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    /** An integrated device on q35's root bus (pcie.0) at {@code slot}. */
    private static void rootBusAddress(Document doc, Element device, int slot) {
        Element address = child(doc, device, "address");
        address.setAttribute("type", "pci");
        address.setAttribute("domain", "0x0000");
        address.setAttribute("bus", "0x00");
        address.setAttribute("slot", String.format("0x%02x", slot));
        address.setAttribute("function", "0x0");
    }

    private static Element disk(Document doc, Element devices, String format, String file, String dev, boolean readOnly,
                                int slot) {
        Element disk = child(doc, devices, "disk");
        disk.setAttribute("type", "file");
        disk.setAttribute("device", "disk");
        Element driver = child(doc, disk, "driver");
        driver.setAttribute("name", "qemu");
        driver.setAttribute("type", format);
        if (!readOnly) {
            driver.setAttribute("discard", "unmap");
        }
        child(doc, disk, "source").setAttribute("file", file);
        Element target = child(doc, disk, "target");
        target.setAttribute("dev", dev);
        target.setAttribute("bus", "virtio");
        if (readOnly) {
            child(doc, disk, "readonly");
        }
        rootBusAddress(doc, disk, slot);
        return disk;
    }

    private static void qemuArg(Document doc, Element commandline, String value) {
        Element arg = doc.createElementNS(QEMU_NS, "qemu:arg");
        arg.setAttribute("value", value);
        commandline.appendChild(arg);
    }

    private static Element child(Document doc, Element parent, String name) {
        Element e = doc.createElement(name);
        parent.appendChild(e);
        return e;
    }

    private static Element text(Document doc, Element parent, String name, String value) {
        Element e = child(doc, parent, name);
        e.setTextContent(value);
        return e;
    }

    private static DocumentBuilder newBuilder() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setExpandEntityReferences(false);
            return f.newDocumentBuilder();
        } catch (ParserConfigurationException e) {
            throw new VmboxException(ExitCode.INTERNAL, "no XML parser: " + e.getMessage(), null, e);
        }
    }

    static Document parse(String xml) {
        try {
            Document doc = newBuilder().parse(new InputSource(new StringReader(xml)));
            dropWhitespace(doc.getDocumentElement());
            return doc;
        } catch (SAXException | java.io.IOException e) {
            throw new VmboxException(ExitCode.FAILED, "libvirt returned domain XML vmbox cannot read: " + e.getMessage(),
                    "run with --debug and report it", e);
        }
    }

    /** Removes indentation text nodes so a parsed document re-serializes with the same layout. */
    private static void dropWhitespace(org.w3c.dom.Node node) {
        NodeList children = node.getChildNodes();
        for (int i = children.getLength() - 1; i >= 0; i--) {
            org.w3c.dom.Node c = children.item(i);
            if (c.getNodeType() == org.w3c.dom.Node.TEXT_NODE && c.getTextContent().isBlank()) {
                node.removeChild(c);
            } else if (c.getNodeType() == org.w3c.dom.Node.ELEMENT_NODE) {
                dropWhitespace(c);
            }
        }
    }

    private static String serialize(Document doc) {
        try {
            TransformerFactory tf = TransformerFactory.newInstance();
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            Transformer t = tf.newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            t.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
            StringWriter out = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(out));
            return out.toString().replace("\r\n", "\n").strip() + "\n";
        } catch (TransformerException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot write domain XML: " + e.getMessage(), null, e);
        }
    }
}
