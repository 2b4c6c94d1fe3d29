package dev.vmbox.cloudinit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.util.List;
import org.junit.jupiter.api.Test;

class UserDataMergeTest {
    static UserData parse(String yaml) {
        return CloudInitRenderer.parseUserData("#cloud-config\n" + yaml);
    }

    @Test
    void listsConcatenateInOrderAndEqualScalarsAgree() {
        UserData a = parse("ssh_pwauth: false\nruncmd:\n  - [a]\nwrite_files:\n  - {path: /a, content: x}\n");
        UserData b = parse("ssh_pwauth: false\nruncmd:\n  - [b]\nwrite_files:\n  - {path: /b, content: y}\n");
        UserData m = a.merge(b, "b");
        assertEquals(List.of(List.of("a"), List.of("b")), m.runcmd());
        assertEquals(List.of("/a", "/b"), m.writeFiles().stream().map(WriteFile::path).toList());
        assertEquals(false, m.sshPwauth());
    }

    @Test
    void conflictsNameTheirSource() {
        UserData a = parse("ssh_pwauth: false\n");
        VmboxException e = assertThrows(VmboxException.class, () -> a.merge(parse("ssh_pwauth: true\n"), "frag-x"));
        assertEquals(ExitCode.INTERNAL, e.exitCode());
        assertTrue(e.getMessage().contains("ssh_pwauth") && e.getMessage().contains("frag-x"), e.getMessage());
        UserData f = parse("write_files:\n  - {path: /a, content: x}\n");
        assertThrows(VmboxException.class, () -> f.merge(f, "again"));
        UserData u = parse("users:\n  - {name: x}\n");
        assertThrows(VmboxException.class, () -> u.merge(u, "again"));
    }

    @Test
    void unknownKeysAreRefused() {
        VmboxException e = assertThrows(VmboxException.class, () -> parse("ssh_pwauht: false\n"));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertThrows(VmboxException.class, () -> parse("runcmd:\n  - 'echo hi'\n"), "runcmd entries are argv lists");
        assertThrows(VmboxException.class, () -> parse("ssh_pwauth: false\nssh_pwauth: true\n"), "duplicate keys");
    }

    @Test
    void composedConfigHasExactlyOneLoginUserWithOnlyOurKey() {
        UserData d = CloudInitComposer.compose(Specs.spec());
        List<User> logins = d.users().stream().filter(u -> u.sshAuthorizedKeys() != null).toList();
        assertEquals(1, logins.size());
        assertEquals(List.of(Specs.CLIENT_KEY), logins.get(0).sshAuthorizedKeys());
        assertEquals(true, logins.get(0).lockPasswd());
        assertEquals(false, d.sshPwauth());
        assertEquals(true, d.disableRoot());
        assertEquals(true, d.manageEtcHosts());
        assertEquals(false, d.packageUpdate());
        assertEquals(false, d.packageUpgrade());
        assertEquals(Specs.HOST_PUB, d.sshKeys().get("ed25519_public"));
        User runtime = d.users().stream().filter(u -> u.name().equals("vmbox-ollama")).findFirst().orElseThrow();
        assertEquals(true, runtime.system());
        assertEquals("/usr/sbin/nologin", runtime.shell());
    }
}
