package dev.vmbox.store;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
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

    private final ReentrantLock local;
    private final FileChannel channel;
    private final FileLock lock;

    private InstanceLock(ReentrantLock local, FileChannel channel, FileLock lock) {
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    static InstanceLock acquire(Path lockFile, String instance, Duration wait) {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock local = LOCAL.computeIfAbsent(key, k -> new ReentrantLock());
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            if (!local.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw busy(instance, wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while waiting for the lock of '" + instance + "'", null, e);
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            while (true) {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null;
                }
                if (l != null) {
                    return new InstanceLock(local, ch, l);
                }
                if (System.nanoTime() > deadline) {
                    throw busy(instance, wait);
                }
                Thread.sleep(25);
            }
        } catch (IOException e) {
            closeQuietly(ch);
            local.unlock();
            throw new VmboxException(ExitCode.FAILED, "cannot lock instance '" + instance + "': " + SecureFiles.describe(e),
                    "check the permissions of " + key.getParent(), e);
        } catch (InterruptedException e) {
            closeQuietly(ch);
            local.unlock();
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while waiting for the lock of '" + instance + "'", null, e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            local.unlock();
            throw e;
        }
    }

    private static VmboxException busy(String instance, Duration wait) {
        return new VmboxException(ExitCode.IN_USE,
                "instance '" + instance + "' is busy: another vmbox command is changing it (waited "
                        + wait.toSeconds() + " s)",
                "wait for the other command to finish, then try again");
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
