package dev.vmbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** flag > VMBOX_PROVIDER > config > libvirt on Linux, Lima on macOS, then Multipass; with the reason. */
class ProviderSelectorTest {
    record Fake(String id, boolean usable) implements ProviderProbe {
        @Override
        public Availability probe() {
            return usable
                    ? new Availability(id, true, true, "/usr/bin/" + id, "1.0", id + " works", null)
                    : Availability.missing(id, id + " not found on PATH", "install " + id);
        }
    }

    static Map<String, ProviderProbe> providers(boolean libvirt, boolean lima, boolean multipass) {
        Map<String, ProviderProbe> m = new LinkedHashMap<>();
        m.put("libvirt", new Fake("libvirt", libvirt));
        m.put("lima", new Fake("lima", lima));
        m.put("multipass", new Fake("multipass", multipass));
        return m;
    }

    @Test
    void theFlagWinsOverEnvAndConfig() {
        var c = ProviderSelector.select("multipass", "lima", "libvirt", "Linux", providers(true, true, true));
        assertEquals("multipass", c.provider().id());
        assertEquals("multipass: chosen by --provider", c.reason());
    }

    @Test
    void thenTheEnvironmentThenTheConfig() {
        assertEquals("lima", ProviderSelector.select(null, "lima", "libvirt", "Linux", providers(true, true, true))
                .provider().id());
        var c = ProviderSelector.select(" ", "", "multipass", "Linux", providers(true, true, true));
        assertEquals("multipass", c.provider().id());
        assertTrue(c.reason().contains("config"), c.reason());
    }

    @Test
    void autoFollowsTheHostsOrder() {
        var linux = ProviderSelector.select(null, null, "auto", "Linux", providers(true, true, true));
        assertEquals("libvirt", linux.provider().id());
        assertEquals("libvirt: first usable provider on Linux (auto, from the config setting 'provider')", linux.reason());
        assertEquals("lima", ProviderSelector.select(null, null, "auto", "Mac OS X", providers(true, true, true))
                .provider().id());
        assertEquals("multipass", ProviderSelector.select(null, null, null, "Windows 11", providers(true, true, true))
                .provider().id());
    }

    @Test
    void autoSaysWhatItSkipped() {
        var c = ProviderSelector.select("auto", null, "libvirt", "Mac OS X", providers(true, false, true));
        assertEquals("multipass", c.provider().id());
        assertTrue(c.reason().contains("not usable: lima (lima not found on PATH)"), c.reason());
        assertTrue(c.reason().contains("from --provider"), c.reason());
        assertEquals("multipass", ProviderSelector.select(null, null, "auto", "Linux", providers(false, true, true))
                .provider().id());
    }

    @Test
    void nothingUsableListsEveryProbeAndHint() {
        VmboxException e = assertThrows(VmboxException.class,
                () -> ProviderSelector.select(null, null, "auto", "Linux", providers(false, false, false)));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        for (String id : new String[] {"libvirt", "lima", "multipass"}) {
            assertTrue(e.getMessage().contains(id + ": " + id + " not found on PATH"), e.getMessage());
            assertTrue(e.hint().contains("install " + id), e.hint());
        }
    }

    @Test
    void anUnusableNamedProviderIsNotReplacedSilently() {
        VmboxException e = assertThrows(VmboxException.class,
                () -> ProviderSelector.select("lima", null, null, "Linux", providers(true, false, true)));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("lima not found on PATH"), e.getMessage());
        assertEquals("install lima", e.hint());
    }

    @Test
    void unknownNamesAreBadInput() {
        VmboxException e = assertThrows(VmboxException.class,
                () -> ProviderSelector.select(null, "virtualbox", null, "Linux", providers(true, true, true)));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("VMBOX_PROVIDER"), e.getMessage());
        assertTrue(e.hint().contains("libvirt, lima, multipass"), e.hint());
        assertEquals("lima", ProviderSelector.select("LIMA", null, null, "Linux", providers(true, true, true))
                .provider().id());
    }

    @Test
    void aKnownProviderMissingFromThisBuildIsUnavailable() {
        Map<String, ProviderProbe> two = providers(true, true, true);
        two.remove("libvirt");
        assertEquals(ExitCode.UNAVAILABLE, assertThrows(VmboxException.class,
                () -> ProviderSelector.select("libvirt", null, null, "Linux", two)).exitCode());
        assertEquals("multipass", ProviderSelector.select(null, null, null, "Linux", two).provider().id());
    }

    @Test
    void aProbeThatThrowsCountsAsUnusable() {
        Map<String, ProviderProbe> m = providers(true, true, true);
        m.put("libvirt", new ProviderProbe() {
            @Override
            public String id() {
                return "libvirt";
            }

            @Override
            public Availability probe() {
                throw new VmboxException(ExitCode.FAILED, "virsh crashed", "reinstall libvirt");
            }
        });
        var c = ProviderSelector.select(null, null, null, "Linux", m);
        assertEquals("multipass", c.provider().id());
        assertTrue(c.reason().contains("virsh crashed"), c.reason());
    }
}
