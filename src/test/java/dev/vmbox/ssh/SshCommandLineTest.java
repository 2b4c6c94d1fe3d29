package dev.vmbox.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.InteractiveRunner;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.testing.LocalSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The system-ssh argv builder, run for real against a local sshd. */
@Timeout(60)
class SshCommandLineTest {
    static final Executables EXEC = Executables.fromEnvironment(System.getenv());
    static final ZtExecCommandRunner RUNNER = new ZtExecCommandRunner(EventLog.NONE, EXEC);

    @TempDir
    static Path tmp;
    static LocalSshd sshd;
    static Path knownHosts;

    @BeforeAll
    static void start() throws Exception {
        sshd = LocalSshd.start(tmp);
        knownHosts = tmp.resolve("state/known_hosts");
        sshd.target().hostKey().writeKnownHosts(knownHosts);
    }

    @AfterAll
    static void stop() {
        sshd.close();
    }

    @Test
    void commandRunsWithPinnedKeyAndLockedDownOptions() throws Exception {
        List<String> argv = SshCommandLine.interactive(sshd.target(), knownHosts, SshOptions.defaults(), List.of("echo", "hi", "$((6*7))"));
        assertTrue(argv.containsAll(List.of("-F", "none", "-o", "StrictHostKeyChecking=yes", "IdentitiesOnly=yes",
                "GlobalKnownHostsFile=none", "ForwardAgent=no", "BatchMode=yes")), argv.toString());
        assertFalse(argv.contains("-t"), "no TTY forced when a command is given");
        String key = Files.readString(sshd.clientKey());
        assertFalse(String.join(" ", argv).contains(key.substring(40, 80)), "no key material in argv");
        CommandResult r = RUNNER.run(Command.of(Duration.ofSeconds(20), argv));
        assertEquals("hi 42", r.stdout().strip());
        assertTrue(SshCommandLine.interactive(sshd.target(), knownHosts, SshOptions.defaults(), List.of()).contains("-t"));
    }

    @Test
    void otherHostKeyIsRefusedBySsh() throws Exception {
        Path other = tmp.resolve("other");
        RUNNER.run(Command.of(Duration.ofSeconds(20), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()));
        SshTarget wrong = new SshTarget(sshd.host(), sshd.port(), sshd.user(), sshd.clientKey(),
                Files.readString(Path.of(other + ".pub")).strip());
        Path kh = tmp.resolve("wrong/known_hosts");
        wrong.hostKey().writeKnownHosts(kh);
        List<String> argv = SshCommandLine.interactive(wrong, kh, SshOptions.defaults(), List.of("true"));
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> RUNNER.run(Command.of(Duration.ofSeconds(20), argv)));
        assertEquals(255, e.result().exitCode());
        assertTrue(e.result().stderr().contains("Host key verification failed"), e.result().stderr());
        assertEquals(1, Files.readAllLines(kh).size(), "ssh learned nothing");
    }

    @Test
    void interactiveRunnerReturnsTheExitCode() {
        InteractiveRunner runner = new InteractiveRunner(EXEC);
        assertEquals(3, runner.run(List.of("sh", "-c", "exit 3")));
        List<String> argv = SshCommandLine.interactive(sshd.target(), knownHosts, SshOptions.defaults(), List.of("exit", "7"));
        assertEquals(7, runner.run(argv));
    }

    @Test
    void forwardArgvRejectsOddInput() {
        assertThrows(dev.vmbox.VmboxException.class, () -> SshCommandLine.forward(sshd.target(), knownHosts, SshOptions.defaults(),
                Path.of("relative.sock"), "127.0.0.1", 80));
        assertThrows(dev.vmbox.VmboxException.class, () -> SshCommandLine.forward(sshd.target(), knownHosts, SshOptions.defaults(),
                tmp.resolve("a:b.sock"), "127.0.0.1", 80));
        assertThrows(dev.vmbox.VmboxException.class, () -> SshCommandLine.forward(sshd.target(), knownHosts, SshOptions.defaults(),
                tmp.resolve("a.sock"), "127.0.0.1;rm", 80));
        assertThrows(dev.vmbox.VmboxException.class, () -> SshCommandLine.forward(sshd.target(), knownHosts, SshOptions.defaults(),
                tmp.resolve("q\"uote.sock"), "127.0.0.1", 80));
    }

    /** Issue 15: a VMBOX_HOME with a space split the known_hosts path, and the pinned key was never found. */
    @Test
    void aHomeWithSpacesAndPercentSignsKeepsThePins() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("home with space %h %%"));
        Path kh = dir.resolve("known hosts");
        sshd.target().hostKey().writeKnownHosts(kh);
        Path key = dir.resolve("id ed25519");
        Files.copy(sshd.clientKey(), key);
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        SshTarget t = sshd.target();
        SshTarget spaced = new SshTarget(t.host(), t.port(), t.user(), key, t.pinnedHostKey());
        List<String> argv = SshCommandLine.interactive(spaced, kh, SshOptions.defaults(), List.of("echo", "pinned"));
        assertTrue(argv.contains("UserKnownHostsFile=\"" + kh.toString().replace("%", "%%") + "\""), argv.toString());
        assertEquals("pinned", RUNNER.run(Command.of(Duration.ofSeconds(30), argv)).stdout().strip());
        Path wrongKh = dir.resolve("known hosts wrong");
        Files.writeString(wrongKh, "");
        List<String> refused = SshCommandLine.interactive(spaced, wrongKh, SshOptions.defaults(), List.of("true"));
        assertThrows(CommandFailedException.class, () -> RUNNER.run(Command.of(Duration.ofSeconds(30), refused)),
                "an empty pin file still refuses: the path is the one read");
    }
}
