package dev.vmbox.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vmbox.log.Redactor;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {
    @Test
    void masksDeclaredSecretsKeysAndTokens() {
        String text = "HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz123 Authorization: Bearer abc.def\n"
                + "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAB3\n-----END OPENSSH PRIVATE KEY-----\npassword: hunter22";
        String out = Redactor.redact(text, List.of("hunter22"));
        assertFalse(out.contains("hf_abcdefghijklmnopqrstuvwxyz123"), out);
        assertFalse(out.contains("abc.def"), out);
        assertFalse(out.contains("AAAAB3"), out);
        assertFalse(out.contains("hunter22"), out);
    }

    @Test
    void leavesOrdinaryTextAlone() {
        assertEquals("virsh --connect qemu:///system list --all",
                Redactor.redact("virsh --connect qemu:///system list --all"));
    }
}
