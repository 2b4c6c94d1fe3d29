package dev.vmbox.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fresh keys from the real ssh-keygen: right files, right modes, consistent pairs, never reused. */
class SshKeysTest {
    static final Executables EXE = new Executables(System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    static final CommandRunner RUNNER = new ZtExecCommandRunner(EventLog.NONE, EXE);

    @BeforeAll
    static void needsSshKeygen() {
        if (EXE.find("ssh-keygen").isEmpty()) {
            String msg = "!!! ssh-keygen is not installed: " + Executables.installHint("ssh-keygen");
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(msg + " (CI=true: this test must run)");
            }
            System.err.println(msg + " -- SKIPPING");
            assumeTrue(false, msg);
        }
    }

    static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void generatesBothPairsWithPrivateModes(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("instances/llm/keys");
        KeyMaterial k = SshKeys.generate(dir, "llm", RUNNER);
        assertEquals("rwx------", mode(dir));
        assertEquals("rw-------", mode(k.clientPrivateKey()));
        assertEquals("rw-------", mode(k.hostPrivateKey()));
        assertEquals(dir.resolve(SshKeys.CLIENT_KEY), k.clientPrivateKey());
        assertTrue(k.clientPublicKey().startsWith("ssh-ed25519 ") && k.clientPublicKey().endsWith(" vmbox@llm"));
        assertTrue(k.hostKey().publicKey().endsWith(" vmbox-host@llm"));
        assertEquals(Files.readString(k.hostPrivateKey()).strip(), k.hostKey().privateKeyOpenSsh().strip());
        assertFalse(k.hostKey().toString().contains("PRIVATE"), "toString hides the private key");
        // Each public key belongs to its private key.
        for (Path priv : new Path[] {k.clientPrivateKey(), k.hostPrivateKey()}) {
            String derived = RUNNER.run(Command.of(Duration.ofSeconds(30), "ssh-keygen", "-y", "-f", priv.toString()))
                    .stdout().strip();
            String pub = priv.equals(k.clientPrivateKey()) ? k.clientPublicKey() : k.hostKey().publicKey();
            assertEquals(PublicKeys.withoutComment(pub), PublicKeys.withoutComment(derived));
        }
        assertNotEquals(PublicKeys.withoutComment(k.clientPublicKey()), PublicKeys.withoutComment(k.hostKey().publicKey()));
    }

    @Test
    void keysAreFreshPerInstanceAndNeverOverwritten(@TempDir Path tmp) {
        KeyMaterial a = SshKeys.generate(tmp.resolve("a"), "a", RUNNER);
        KeyMaterial b = SshKeys.generate(tmp.resolve("b"), "b", RUNNER);
        assertNotEquals(a.clientPublicKey().split(" ")[1], b.clientPublicKey().split(" ")[1]);
        assertNotEquals(a.hostKey().publicKey().split(" ")[1], b.hostKey().publicKey().split(" ")[1]);
        VmboxException e = assertThrows(VmboxException.class, () -> SshKeys.generate(tmp.resolve("a"), "a", RUNNER));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("already exists"));
    }

    @Test
    void tightensAnExistingLooseFolder(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("loose"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        SshKeys.generate(dir, "loose", RUNNER);
        assertEquals("rwx------", mode(dir));
    }

    @Test
    void refusesBadNames(@TempDir Path tmp) {
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class,
                () -> SshKeys.generate(tmp.resolve("x"), "x\" -f /etc/passwd", RUNNER)).exitCode());
    }

    @Test
    void missingSshKeygenIsUnavailable(@TempDir Path tmp) {
        CommandRunner none = new ZtExecCommandRunner(EventLog.NONE, new Executables("/nonexistent"));
        VmboxException e = assertThrows(VmboxException.class, () -> SshKeys.generate(tmp.resolve("k"), "k", none));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.hint().contains("openssh-client"));
    }
}
