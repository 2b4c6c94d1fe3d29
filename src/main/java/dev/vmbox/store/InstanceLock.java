package dev.vmbox.store;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.wait.Deadline;
import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive per-instance lock across threads and processes: an OS file lock on the instance's
 * {@code .lock} file, plus an in-process lock (the OS lock is per process). Held while an instance's
 * record or VM is changed, so two vmbox runs never interleave.
 */
public final class InstanceLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();
    private static final String BUSY_HINT = "wait for the other command to finish, then try again";

    private final ReentrantLock local;
    private final FileChannel channel;
    private final FileLock lock;

    private InstanceLock(ReentrantLock local, FileChannel channel, FileLock lock) {
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    /** {@code what} names what the lock guards, for messages: "instance 'llm'", "the API port claims". */
    static InstanceLock acquire(Path lockFile, String what, Duration wait) {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock local = LOCAL.computeIfAbsent(key, k -> new ReentrantLock());
        Deadline deadline = Deadline.in(wait.isZero() || wait.isNegative() ? Duration.ofNanos(1) : wait);
        try {
            if (!local.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw busy(what, wait, "another command of this process holds it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while waiting for the lock of " + what, null, e);
        }
        FileChannel ch = null;
        try {
            ch = SecureFiles.openPrivate(key, StandardOpenOption.WRITE);
            FileChannel channel = ch;
            FileLock l = Poll.until("the lock of " + what, () -> tryLock(channel))
                    .every(Duration.ofMillis(25))
                    .onTimeout(ExitCode.IN_USE, busyMessage(what, wait))
                    .timeoutHint(BUSY_HINT)
                    .await(deadline);
            return new InstanceLock(local, ch, l);
        } catch (IOException | UncheckedIOException e) {
            closeQuietly(ch);
            local.unlock();
            IOException io = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            throw new VmboxException(ExitCode.FAILED, "cannot lock " + what + ": " + SecureFiles.describe(io),
                    "check free disk space and permissions of " + key.getParent(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            local.unlock();
            throw e;
        }
    }

    /** One try at the OS lock: the lock, or NotReady while another process holds it. */
    private static FileLock tryLock(FileChannel channel) {
        FileLock l;
        try {
            l = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (l == null) {
            throw new NotReady("another vmbox process holds it");
        }
        return l;
    }

    private static String busyMessage(String what, Duration wait) {
        return what + " is busy: another vmbox command is changing it (waited " + wait.toSeconds() + " s)";
    }

    private static VmboxException busy(String what, Duration wait, String seen) {
        return new VmboxException(ExitCode.IN_USE, busyMessage(what, wait) + " (last: " + seen + ")", BUSY_HINT);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it anyway
        } finally {
            closeQuietly(channel);
            local.unlock();
        }
    }
}
