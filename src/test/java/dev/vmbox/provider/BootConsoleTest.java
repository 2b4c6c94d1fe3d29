package dev.vmbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serial console's word on sshd, as systemd writes it on Debian 12 and testing (colours included). */
class BootConsoleTest {
    static final String DEBIAN_12 = "         Starting \u001B[0;1;39mssh.service\u001B[0m - OpenBSD Secure Shell server...\n"
            + "[\u001B[0;32m  OK  \u001B[0m] Started \u001B[0;1;39mssh.service\u001B[0m - OpenBSD Secure Shell server.\n";
    static final String TESTING_BEFORE = "[\u001B[0;32m  OK  \u001B[0m] Listening on \u001B[0;1;39msshd-unix-local.socke…"
            + "\u001B[0mtemd-ssh-generator, AF_UNIX Local).\n         Starting \u001B[0;1;39mssh.service\u001B[0m - OpenBSD Secure "
            + "Shell server...\n";

    @Test
    void sshdHasStartedOnlyWhenSystemdSaysSo() {
        assertTrue(BootConsole.sshdStarted(DEBIAN_12));
        assertFalse(BootConsole.sshdStarted(TESTING_BEFORE), "starting is not started; the sshd-unix-local socket is not sshd");
        assertTrue(BootConsole.sshdStarted(TESTING_BEFORE + "[  OK  ] Started ssh.service - OpenBSD Secure Shell server.\n"));
        assertTrue(BootConsole.sshdStarted("[  OK  ] Listening on ssh.socket - OpenBSD Secure Shell server socket.\n"),
                "socket activation (Ubuntu 24.04)");
        assertFalse(BootConsole.sshdStarted("[  OK  ] Started sshd-keygen.service\n[  OK  ] Started notssh.service\n"));
    }

    @Test
    void aFailedSeedUnitEndsTheWaitWithItsReason() {
        dev.vmbox.VmboxException e = org.junit.jupiter.api.Assertions.assertThrows(dev.vmbox.VmboxException.class,
                () -> BootConsole.sshdStarted(TESTING_BEFORE + "\u001B[0;1;31mFAILED\u001B[0m] Failed to start "
                        + "\u001B[0;1;39mvmbox-seed.service\u001B[0m - vmbox: this instance's own parts from its seed disk.\n"
                        + "[  OK  ] Started ssh.service - OpenBSD Secure Shell server.\n"));
        assertEquals(dev.vmbox.ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("vmbox-seed.service failed"), e.getMessage());
        assertTrue(BootConsole.sshdStarted("[  OK  ] Finished vmbox-seed.service - vmbox: seed.\n[  OK  ] Started ssh.service\n"));
    }

    @Test
    void aLogThatCannotBeReadTellsNothing(@TempDir Path dir) throws IOException {
        assertEquals(Optional.empty(), BootConsole.sshdStarted(dir.resolve("console.log")));
        Path log = Files.writeString(dir.resolve("console.log"), TESTING_BEFORE, StandardCharsets.UTF_8);
        assertEquals(Optional.of(false), BootConsole.sshdStarted(log));
        Files.writeString(log, DEBIAN_12, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        assertEquals(Optional.of(true), BootConsole.sshdStarted(log));
    }
}
