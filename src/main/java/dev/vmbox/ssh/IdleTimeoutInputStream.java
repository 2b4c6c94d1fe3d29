package dev.vmbox.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A stream with a read timeout like a socket's {@code SO_TIMEOUT}, for the output of the {@code ssh -W} hop.
 *
 * <p>Why it exists: JSch sends its server-alive probes only when a read of its transport throws an
 * {@link java.io.InterruptedIOException} ({@code Session.run()} catches it, sends {@code keepalive@jcraft.com},
 * and gives up after {@code ServerAliveCountMax} timeouts in a row). On a direct connection the socket's
 * {@code SO_TIMEOUT}, which {@code setServerAliveInterval} sets, throws it; a {@link HopProxy} has no socket,
 * and a pipe never times out, so a guest that hangs behind a live jump host would never be noticed. Here a
 * daemon thread pumps the pipe into a bounded buffer, so that {@link #read} can wait with a deadline and throw
 * {@link SocketTimeoutException} when no byte arrived within the interval. Data is never lost: what arrives
 * after a timeout is read by the next call.
 *
 * <p>Reads block without a deadline until {@link #arm()} is called: during the handshake JSch takes any
 * exception as a failed connect, and the hop's own watchdog bounds the handshake. After the end of the stream
 * reads return -1; its failure is rethrown once the data before it has been read. {@link #close()} wakes any
 * reader, drops the buffer and closes the pipe; the pump ends with the pipe (when the hop process ends).
 */
final class IdleTimeoutInputStream extends InputStream {
    static final int CAPACITY = 64 * 1024;

    private final InputStream in;
    private final long timeoutNanos;
    private final byte[] buffer;
    private int head;
    private int count;
    private boolean eof;
    private IOException failure;
    private boolean armed;
    private boolean closed;

    private IdleTimeoutInputStream(InputStream in, Duration timeout, int capacity) {
        this.in = Objects.requireNonNull(in);
        this.timeoutNanos = timeout.toNanos();
        this.buffer = new byte[capacity];
        if (timeoutNanos <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("timeout and capacity must be positive");
        }
    }

    /** Starts pumping {@code in} on a daemon thread; reads time out after {@code timeout} once {@link #arm armed}. */
    static IdleTimeoutInputStream start(InputStream in, Duration timeout, String threadName) {
        return start(in, timeout, CAPACITY, threadName);
    }

    static IdleTimeoutInputStream start(InputStream in, Duration timeout, int capacity, String threadName) {
        IdleTimeoutInputStream s = new IdleTimeoutInputStream(in, timeout, capacity);
        Thread pump = new Thread(s::pump, threadName);
        pump.setDaemon(true);
        pump.start();
        return s;
    }

    /** From now on a read that waits longer than the timeout for its first byte throws {@link SocketTimeoutException}. */
    synchronized void arm() {
        armed = true;
        notifyAll();
    }

    private void pump() {
        byte[] chunk = new byte[Math.min(8192, buffer.length)];
        try {
            while (true) {
                int n = in.read(chunk);
                synchronized (this) {
                    if (n < 0) {
                        eof = true;
                        notifyAll();
                        return;
                    }
                    for (int done = 0; done < n; ) {
                        while (count == buffer.length && !closed) {
                            wait();
                        }
                        if (closed) {
                            return;
                        }
                        int tail = (head + count) % buffer.length;
                        int k = Math.min(n - done, Math.min(buffer.length - count, buffer.length - tail));
                        System.arraycopy(chunk, done, buffer, tail, k);
                        count += k;
                        done += k;
                        notifyAll();
                    }
                }
            }
        } catch (IOException e) {
            synchronized (this) {
                failure = e;
                notifyAll();
            }
        } catch (InterruptedException e) {
            synchronized (this) {
                failure = new IOException("reading the hop was interrupted", e);
                notifyAll();
            }
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        long since = System.nanoTime();
        while (count == 0) {
            if (closed) {
                throw new IOException("stream closed");
            }
            if (failure != null) {
                throw new IOException(failure.getMessage(), failure);
            }
            if (eof) {
                return -1;
            }
            try {
                if (!armed) {
                    wait();
                    since = System.nanoTime();
                } else {
                    long left = timeoutNanos - (System.nanoTime() - since);
                    if (left <= 0) {
                        throw new SocketTimeoutException("nothing read within " + timeoutNanos / 1_000_000 + " ms");
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                // not an InterruptedIOException: JSch would take that for a timeout (only its disconnect interrupts)
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading", e);
            }
        }
        int n = Math.min(len, Math.min(count, buffer.length - head));
        System.arraycopy(buffer, head, b, off, n);
        head = (head + n) % buffer.length;
        count -= n;
        notifyAll();
        return n;
    }

    @Override
    public synchronized int available() {
        return count;
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            count = 0;
            notifyAll();
        }
        in.close();
    }
}
