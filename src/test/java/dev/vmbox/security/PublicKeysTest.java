package dev.vmbox.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PublicKeysTest {
    static final String BARE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFTq+7spsLQW0ODFMsZfDtkjsww4g3UJ+2FLClTbxco7";

    @Test
    void acceptsKeysWithAndWithoutCommentAndStripsWhitespace() {
        assertEquals(BARE, PublicKeys.requireEd25519("  " + BARE + "\n", "k"));
        assertEquals(BARE + " me@host: #1 \"q\"", PublicKeys.requireEd25519(BARE + " me@host: #1 \"q\"", "k"));
        assertEquals(BARE, PublicKeys.withoutComment(BARE + " c"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ", "ssh-ed25519", "ssh-ed25519 !!!",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ==",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFTq+7spsLQW0ODFMsZfDtkjsww4g3UJ+2FLClTbxco7 a\nb",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFTq+7spsLQW0ODFMsZfDtkjsww4g3UJ+2FLClTbxco7 \u00e9",
            "ssh-ed25519  AAAAC3NzaC1lZDI1NTE5AAAAIFTq+7spsLQW0ODFMsZfDtkjsww4g3UJ+2FLClTbxco7",
            "from=\"*\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFTq+7spsLQW0ODFMsZfDtkjsww4g3UJ+2FLClTbxco7"})
    void refusesAnythingElse(String bad) {
        VmboxException e = assertThrows(VmboxException.class, () -> PublicKeys.requireEd25519(bad, "test key"));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
    }

    @Test
    void refusesHugeInput() {
        VmboxException e = assertThrows(VmboxException.class,
                () -> PublicKeys.requireEd25519("ssh-ed25519 " + "A".repeat(1 << 20), "k"));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
    }
}
