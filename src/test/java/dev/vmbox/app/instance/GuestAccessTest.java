package dev.vmbox.app.instance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.ssh.SshClient;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.testing.LocalSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Waiting for a booting guest's SSH, against a real sshd that comes up late, never, or with another key. */
class GuestAccessTest {
    @TempDir
    Path tmp;

    private final GuestAccess guests = new GuestAccess(new SshClient(EventLog.NONE));
    private static final Supplier<VmStatus> RUNNING = () -> new VmStatus("g", "test", VmState.RUNNING, List.of());

    private static Progress.Step step() {
        return Progress.NONE.begin("ssh");
    }

    @Test
    void waitsForSshdToComeUpThenGivesUpAtTheDeadline() throws Exception {
        try (LocalSshd late = LocalSshd.start(tmp.resolve("late"))) {
            late.stop();
            Thread starter = new Thread(() -> {
                try {
                    Thread.sleep(800);
                } catch (InterruptedException e) {
                    return;
                }
                late.restart();
            });
            starter.start();
            long t0 = System.nanoTime();
            try (SshSession s = guests.waitForSsh(late::target, Duration.ofSeconds(30), RUNNING, step())) {
                assertTrue(System.nanoTime() - t0 >= 700_000_000L);
                assertEquals("up\n", s.exec("echo up", Duration.ofSeconds(10)).stdout());
            }
            starter.join(10_000);
            late.stop();
            VmboxException e = assertThrows(VmboxException.class,
                    () -> guests.waitForSsh(late::target, Duration.ofMillis(600), RUNNING, step()));
            assertEquals(ExitCode.TIMEOUT, e.exitCode());
        }
    }

    @Test
    void aWrongHostKeyEndsTheWaitAtOnce() throws Exception {
        try (LocalSshd sshd = LocalSshd.start(tmp.resolve("sshd"))) {
            Path other = tmp.resolve("otherkey");
            new ZtExecCommandRunner(EventLog.NONE, Executables.fromEnvironment(System.getenv())).run(Command.of(
                    Duration.ofSeconds(20), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()));
            SshTarget wrong = new SshTarget(sshd.host(), sshd.port(), sshd.user(), sshd.clientKey(),
                    Files.readString(Path.of(other + ".pub")).strip());
            long t0 = System.nanoTime();
            VmboxException e = assertThrows(VmboxException.class,
                    () -> guests.waitForSsh(() -> wrong, Duration.ofSeconds(30), RUNNING, step()));
            assertEquals(ExitCode.SECURITY, e.exitCode());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "no waiting out the deadline");
        }
    }

    @Test
    void aVmThatStopsWhileBootingEndsTheWait() throws Exception {
        try (LocalSshd sshd = LocalSshd.start(tmp.resolve("sshd"))) {
            sshd.stop();
            long t0 = System.nanoTime();
            // a provider gives no SSH endpoint for a VM that is not running; only then is it asked for the state
            java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
            VmboxException e = assertThrows(VmboxException.class, () -> guests.waitForSsh(() -> null,
                    Duration.ofSeconds(60), () -> {
                        asked.incrementAndGet();
                        return new VmStatus("g", "test", VmState.STOPPED, List.of("crashed"));
                    }, step()));
            assertEquals(1, asked.get());
            assertEquals(ExitCode.FAILED, e.exitCode());
            assertTrue(e.getMessage().contains("stopped") && e.getMessage().contains("crashed"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
        }
    }

    @Test
    void aProviderRestartingDuringTheWaitIsWaitedFor() throws Exception {
        try (LocalSshd sshd = LocalSshd.start(tmp.resolve("sshd"))) {
            // libvirtd restarted while the guest boots: its VMs run on, virsh fails for a few seconds
            VmboxException down = new VmboxException(ExitCode.UNAVAILABLE, "cannot read the state of g: libvirtd is not "
                    + "running at qemu:///system", "start it");
            java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
            Supplier<SshTarget> restarting = () -> {
                if (asked.incrementAndGet() <= 2) {
                    throw down;
                }
                return sshd.target();
            };
            try (SshSession s = guests.waitForSsh(restarting, Duration.ofSeconds(30), RUNNING, step())) {
                assertEquals("up\n", s.exec("echo up", Duration.ofSeconds(10)).stdout());
            }
            assertEquals(3, asked.get());
            // one that stays away: the wait ends at its deadline naming it (or after PROVIDER_GRACE in a row)
            VmboxException e = assertThrows(VmboxException.class, () -> guests.waitForSsh(() -> {
                throw down;
            }, Duration.ofMillis(1500), RUNNING, step()));
            assertEquals(ExitCode.TIMEOUT, e.exitCode());
            assertTrue(e.getMessage().contains("libvirtd is not running"), e.getMessage());
        }
    }
}
