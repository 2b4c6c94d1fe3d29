package dev.vmbox.provider.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.VmboxException;
import dev.vmbox.image.ResolvedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DomainXmlTest {
    static final ResolvedImage BUILT = new ResolvedImage("vmbox-debian-12", Path.of("/images/vmbox-debian-12/disk.qcow2"),
            "qcow2", Path.of("/images/vmbox-debian-12/vmlinuz"), Path.of("/images/vmbox-debian-12/initrd.img"),
            "root=LABEL=root ro console=ttyS0 net.ifnames=0");
    static final ResolvedImage CLOUD = new ResolvedImage("ubuntu-24.04", Path.of("/images/ubuntu-24.04/disk.qcow2"),
            "qcow2", null, null, null);

    static DomainDefinition definition(ResolvedImage image, VirtType type, boolean restrict, List<String> hostdevs) {
        Path dir = Path.of("/var/lib/libvirt/images/vmbox/llm");
        return new DomainDefinition("vmbox-llm", "llm", type, 4, 8L * 1024 * 1024, image, dir.resolve("disk.qcow2"),
                dir.resolve("seed.img"), dir.resolve("console.log"), 40222, restrict, "52:54:00:12:34:56", hostdevs,
                image == BUILT); // vmbox's built image is staged (read as it is); the cloud image is labelled by libvirt
    }

    static String golden(String name) throws IOException {
        try (InputStream in = DomainXmlTest.class.getResourceAsStream("/fixtures/libvirt/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Compares with the golden file, or with -Dvmbox.updateGolden=true writes it (review the diff). */
    static void assertGolden(String name, String rendered) throws IOException {
        if (Boolean.getBoolean("vmbox.updateGolden")) {
            java.nio.file.Files.writeString(java.nio.file.Path.of(System.getProperty("vmbox.repo", "."),
                    "src/test/resources/fixtures/libvirt", name), rendered, StandardCharsets.UTF_8);
            return;
        }
        assertEquals(golden(name), rendered, "differs from fixtures/libvirt/" + name);
    }

    @Test
    void sealedDirectKernelBootMatchesGolden() throws IOException {
        assertGolden("domain-sealed-qemu.xml", DomainXml.render(definition(BUILT, VirtType.QEMU, true, List.of())));
    }

    @Test
    void openCloudImageWithGpuOnKvmMatchesGolden() throws IOException {
        assertGolden("domain-open-kvm-gpu.xml", DomainXml.render(definition(CLOUD, VirtType.KVM, false,
                List.of("0000:01:00.0", "0000:01:00.1"))));
    }

    @Test
    void metadataRoundTrips() {
        String xml = DomainXml.render(definition(BUILT, VirtType.QEMU, true, List.of()));
        assertEquals(Optional.of(40222), DomainXml.sshPort(xml));
        assertTrue(DomainXml.networkRestricted(xml));
    }

    @Test
    void sealingAddsRestrictAndKeepsTheForward() {
        String open = DomainXml.render(definition(BUILT, VirtType.QEMU, false, List.of()));
        assertFalse(DomainXml.networkRestricted(open));
        String sealed = DomainXml.sealed(open);
        assertTrue(DomainXml.networkRestricted(sealed));
        assertTrue(sealed.contains("user,id=vmboxnet0,restrict=on,ipv6=off,hostfwd=tcp:127.0.0.1:40222-:22"));
        assertEquals(sealed, DomainXml.sealed(sealed), "sealing twice changes nothing");
    }

    @Test
    void userTextIsEscapedNotMarkup() {
        ResolvedImage odd = new ResolvedImage("x", Path.of("/images/x/disk.qcow2"), "qcow2",
                Path.of("/images/a'b<c>&d/vmlinuz"), Path.of("/images/x/initrd.img"), "root=LABEL=root </cmdline><evil/>");
        String xml = DomainXml.render(definition(odd, VirtType.QEMU, true, List.of()));
        assertTrue(xml.contains("<kernel>/images/a'b&lt;c&gt;&amp;d/vmlinuz</kernel>"), xml);
        assertTrue(xml.contains("<cmdline>root=LABEL=root &lt;/cmdline&gt;&lt;evil/&gt;</cmdline>"), xml);
        assertEquals(0, DomainXml.parse(xml).getElementsByTagName("evil").getLength());
    }

    @Test
    void foreignDomainHasNoVmboxMetadataAndCannotBeSealed() {
        String foreign = "<domain type='kvm'><name>other</name><devices/></domain>";
        assertEquals(Optional.empty(), DomainXml.sshPort(foreign));
        assertThrows(VmboxException.class, () -> DomainXml.sealed(foreign));
    }
}
