package dev.vmbox.provider.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.ssh.JumpHost;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Reading a libvirt URI: local or remote, session or system, and the SSH hop to a remote host. */
class LibvirtConfigTest {
    static LibvirtConfig of(String uri) {
        return LibvirtConfig.defaults(uri, Path.of("/home/u/.vmbox"));
    }

    @Test
    void localUrisHaveNoHop() {
        for (String uri : new String[] {"qemu:///system", "qemu:///session", "", null}) {
            LibvirtConfig c = of(uri);
            assertTrue(c.local(), String.valueOf(uri));
            assertTrue(c.jumpHost().isEmpty());
        }
        assertTrue(of("qemu:///session").session());
        assertFalse(of("qemu+ssh://h/system?x=/session").session());
        assertTrue(of("qemu+ssh://h/session").session());
    }

    @Test
    void theHopIsReachedAsLibvirtReachesTheHost() {
        assertEquals(JumpHost.of("gpu1"), of("qemu+ssh://gpu1/system").jumpHost().orElseThrow());
        assertEquals(new JumpHost("gpu_1.lan", 2222, "ops", Path.of("/k/id ed"), "/opt/ssh"),
                of("qemu+ssh://ops@gpu_1.lan:2222/system?keyfile=/k/id%20ed&command=/opt/ssh").jumpHost().orElseThrow());
        assertEquals(new JumpHost("[fd00::5]", 0, "root", null, "ssh", Path.of("/x")),
                of("qemu+libssh2://root@[fd00::5]/system?known_hosts=/x&command=ignored").jumpHost().orElseThrow());
    }

    @Test
    void nonSshTransportsAndUncheckedHostsAreRefused() {
        VmboxException e = assertThrows(VmboxException.class, () -> of("qemu+tls://gpu1/system").jumpHost());
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        e = assertThrows(VmboxException.class, () -> of("qemu://gpu1/system").jumpHost());
        assertTrue(e.getMessage().contains("tls transport"), e.getMessage());
        e = assertThrows(VmboxException.class, () -> of("qemu+ssh://gpu1/system?no_verify=1").jumpHost());
        assertEquals(ExitCode.SECURITY, e.exitCode());
        e = assertThrows(VmboxException.class, () -> of("qemu+ssh://-oProxyCommand=x/system").jumpHost());
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertThrows(VmboxException.class, () -> of("qemu+ssh://h:22x/system").jumpHost());
        assertThrows(VmboxException.class, () -> of("qemu+ssh://h/system?command=ssh%3Brm").jumpHost());
        assertThrows(VmboxException.class, () -> of("qemu+ssh://h/system?command=bin/ssh").jumpHost(), "relative");
        assertThrows(VmboxException.class, () -> of("qemu+ssh://h/system?keyfile=id_rsa").jumpHost(), "relative");
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class,
                () -> of("qemu+ssh://h/system?keyfile=/k%zz").jumpHost()).exitCode());
    }

    @Test
    void parametersAreReadAsLibvirtReadsThem() {
        for (String q : new String[] {"NO_VERIFY=1", "no_verify=2", "keyfile=/k;no_verify=1", "No_Verify=yes"}) {
            VmboxException e = assertThrows(VmboxException.class, () -> of("qemu+ssh://h/system?" + q).jumpHost(), q);
            assertEquals(ExitCode.SECURITY, e.exitCode(), q);
        }
        assertTrue(of("qemu+ssh://h/system?no_verify=0").jumpHost().isPresent());
        assertEquals(Path.of("/id+gpu"), of("qemu+ssh://h/system?KEYFILE=/id+gpu").jumpHost().orElseThrow().identityFile());
        assertEquals("/opt/ssh", of("qemu+ssh://h/system?keyfile=/k;Command=/opt/ssh").jumpHost().orElseThrow().command());
        assertEquals(Path.of("/etc/kh"), of("qemu+libssh://h/system?known_hosts=/etc/kh&known_hosts_verify=normal")
                .jumpHost().orElseThrow().knownHosts());
        for (String v : new String[] {"ignore", "auto"}) {
            assertEquals(ExitCode.SECURITY, assertThrows(VmboxException.class,
                    () -> of("qemu+libssh2://h/system?known_hosts_verify=" + v).jumpHost()).exitCode());
        }
    }
}
