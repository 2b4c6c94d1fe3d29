package dev.vmbox.provider.libvirt;

import dev.vmbox.VmboxException;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.CommandTimeoutException;
import dev.vmbox.exec.ExecutableNotFoundException;
import dev.vmbox.provider.Availability;
import dev.vmbox.provider.ProviderProbe;
import java.util.LinkedHashSet;
import java.util.Set;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Is libvirt usable at a URI: {@code virsh} found, its version, the daemon reachable, and which domain
 * types (kvm, qemu) it offers for x86_64 guests. Never throws for "not installed" or "not working".
 */
public final class LibvirtProbe implements ProviderProbe {
    public static final String ID = "libvirt";

    private final CommandRunner runner;
    private final String uri;
    private final LibvirtCli cli;

    public LibvirtProbe(CommandRunner runner, String uri) {
        this.runner = runner;
        this.uri = uri == null || uri.isBlank() ? LibvirtConfig.DEFAULT_URI : uri;
        this.cli = new LibvirtCli(this.uri);
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Availability probe() {
        String version;
        try {
            CommandResult r = runner.run(cli.version());
            version = LibvirtOutput.version(r.stdout()).orElse(null);
        } catch (ExecutableNotFoundException e) {
            return Availability.missing(ID, "virsh not found on PATH", e.hint());
        } catch (CommandFailedException e) {
            VmboxException why = LibvirtErrors.translate(e, "connect", uri);
            return new Availability(ID, true, false, "virsh", null, why.getMessage(), why.hint());
        } catch (CommandTimeoutException e) {
            return new Availability(ID, true, false, "virsh", null, "libvirt at " + uri + " did not answer within "
                    + LibvirtCli.QUERY.toSeconds() + " s", "check that libvirtd is healthy: virsh -c " + uri + " version");
        }
        try {
            Set<String> types = domainTypes();
            if (types.isEmpty()) {
                return new Availability(ID, true, false, "virsh", version, "libvirt at " + uri + " offers no x86_64 guests",
                        "install QEMU on that host: sudo apt-get install qemu-system-x86");
            }
            String detail = "libvirt at " + uri + " answers; domain types: " + String.join(", ", types)
                    + (types.contains("kvm") ? "" : " (no KVM: software emulation only, slow)");
            return new Availability(ID, true, true, "virsh", version, detail, null);
        } catch (VmboxException e) {
            return new Availability(ID, true, false, "virsh", version, e.getMessage(), e.hint());
        }
    }

    /** The domain types libvirt offers for x86_64 guests at this URI ({@code qemu}, {@code kvm}); throws on failure. */
    public Set<String> domainTypes() {
        return domainTypes(capabilities());
    }

    /** {@code virsh capabilities} at this URI; throws on failure. */
    String capabilities() {
        try {
            return runner.run(cli.capabilities()).stdout();
        } catch (CommandFailedException e) {
            throw LibvirtErrors.translate(e, "read libvirt's capabilities", uri);
        }
    }

    /**
     * The host CPU's description in {@code virsh capabilities} ({@code <cpu>...</cpu>} of {@code <host>}), to expand
     * with {@code cpu-baseline --features}; empty when there is none.
     */
    static java.util.Optional<String> hostCpu(String capabilitiesXml) {
        int host = capabilitiesXml.indexOf("<host>");
        int start = host < 0 ? -1 : capabilitiesXml.indexOf("<cpu>", host);
        int end = start < 0 ? -1 : capabilitiesXml.indexOf("</cpu>", start);
        return end < 0 ? java.util.Optional.empty()
                : java.util.Optional.of(capabilitiesXml.substring(start, end + "</cpu>".length()));
    }

    /** Whether a {@code <feature name='vmx'|'svm'>} is listed anywhere in {@code xml}. */
    static boolean hasVirtualizationFeature(String xml) {
        NodeList features = DomainXml.parse(xml).getElementsByTagName("feature");
        for (int j = 0; j < features.getLength(); j++) {
            String f = ((Element) features.item(j)).getAttribute("name");
            if (f.equals("vmx") || f.equals("svm")) {
                return true;
            }
        }
        return false;
    }

    static Set<String> domainTypes(String capabilitiesXml) {
        Set<String> types = new LinkedHashSet<>();
        NodeList guests = DomainXml.parse(capabilitiesXml).getElementsByTagName("guest");
        for (int i = 0; i < guests.getLength(); i++) {
            Element guest = (Element) guests.item(i);
            NodeList arches = guest.getElementsByTagName("arch");
            for (int j = 0; j < arches.getLength(); j++) {
                Element arch = (Element) arches.item(j);
                if (!"x86_64".equals(arch.getAttribute("name"))) {
                    continue;
                }
                NodeList domains = arch.getElementsByTagName("domain");
                for (int k = 0; k < domains.getLength(); k++) {
                    types.add(((Element) domains.item(k)).getAttribute("type"));
                }
            }
        }
        return types;
    }
}
