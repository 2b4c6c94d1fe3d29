package dev.vmbox.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hop's read timeout: what JSch's keepalive needs (a {@link SocketTimeoutException}, an
 * {@link InterruptedIOException}, when nothing arrived within the interval), and nothing else changed.
 */
@Timeout(60)
class IdleTimeoutInputStreamTest {
    static final Duration SHORT = Duration.ofMillis(200);

    @Test
    void anArmedReadTimesOutAndLaterDataIsStillRead() throws Exception {
        PipedOutputStream writer = new PipedOutputStream();
        try (IdleTimeoutInputStream in = IdleTimeoutInputStream.start(new PipedInputStream(writer), SHORT, "t")) {
            in.arm();
            long t0 = System.nanoTime();
            IOException e = assertThrows(SocketTimeoutException.class, in::read);
            assertTrue(e instanceof InterruptedIOException, "what JSch's Session.run() catches to send a keepalive");
            assertTrue(System.nanoTime() - t0 >= SHORT.toNanos(), "not before the interval");
            assertThrows(SocketTimeoutException.class, () -> in.read(new byte[4]), "again, as often as JSch asks");
            writer.write(new byte[] {1, 2, 3});
            writer.flush();
            byte[] b = new byte[8];
            assertEquals(3, readAtLeast(in, b, 3));
            assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOf(b, 3));
            writer.close();
            assertEquals(-1, in.read());
        }
    }

    @Test
    void anUnarmedReadWaitsUntilArmedThenTimesOut() throws Exception {
        PipedOutputStream writer = new PipedOutputStream();
        try (IdleTimeoutInputStream in = IdleTimeoutInputStream.start(new PipedInputStream(writer), SHORT, "t")) {
            CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    return new AssertionError("read returned " + in.read());
                } catch (IOException e) {
                    return e;
                }
            });
            Thread.sleep(SHORT.toMillis() * 4);
            assertFalse(reader.isDone(), "the handshake is not timed by the stream (the hop's watchdog does it)");
            in.arm();
            assertTrue(reader.get(20, TimeUnit.SECONDS) instanceof SocketTimeoutException, "a read in progress is timed once armed");
        }
    }

    @Test
    void dataPassesUnchangedThroughTheBoundedBuffer() throws Exception {
        byte[] data = new byte[300_000];
        new Random(42).nextBytes(data);
        // a buffer much smaller than the data: the pump waits for the reader, nothing is lost or reordered
        try (IdleTimeoutInputStream in = IdleTimeoutInputStream.start(new ByteArrayInputStream(data), Duration.ofSeconds(30),
                1000, "t")) {
            in.arm();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] b = new byte[777];
            for (int n; (n = in.read(b, 3, 700)) >= 0; ) {
                assertTrue(n > 0);
                got.write(b, 3, n);
                int one = in.read();
                if (one < 0) {
                    break;
                }
                got.write(one);
            }
            assertArrayEquals(data, got.toByteArray());
            assertEquals(-1, in.read(), "reads after the end return -1");
            assertEquals(-1, in.read(b, 0, 10));
            assertEquals(0, in.read(b, 0, 0));
        }
    }

    @Test
    void endOfStreamIsNotATimeout() throws Exception {
        try (IdleTimeoutInputStream in = IdleTimeoutInputStream.start(InputStream.nullInputStream(), SHORT, "t")) {
            in.arm();
            Thread.sleep(SHORT.toMillis() * 2);
            assertEquals(-1, in.read());
            assertEquals(-1, in.read());
        }
    }

    @Test
    void aFailureIsRethrownAfterTheDataBeforeIt() throws Exception {
        InputStream failing = new InputStream() {
            int sent;

            @Override
            public int read() throws IOException {
                if (sent < 2) {
                    return ++sent;
                }
                throw new IOException("broken pipe");
            }
        };
        try (IdleTimeoutInputStream in = IdleTimeoutInputStream.start(failing, Duration.ofSeconds(30), "t")) {
            in.arm();
            byte[] b = new byte[2];
            assertEquals(2, readAtLeast(in, b, 2));
            IOException e = assertThrows(IOException.class, in::read);
            assertFalse(e instanceof InterruptedIOException, "a broken hop is not a keepalive timeout");
            assertTrue(e.getMessage().contains("broken pipe"), e.getMessage());
        }
    }

    @Test
    void closeWakesAReaderAndClosesThePipe() throws Exception {
        AtomicBoolean closed = new AtomicBoolean();
        PipedOutputStream writer = new PipedOutputStream();
        PipedInputStream pipe = new PipedInputStream(writer) {
            @Override
            public void close() throws IOException {
                closed.set(true);
                super.close();
            }
        };
        IdleTimeoutInputStream in = IdleTimeoutInputStream.start(pipe, Duration.ofSeconds(30), "t");
        CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
            try {
                in.read();
                return new AssertionError("read returned");
            } catch (IOException e) {
                return e;
            }
        });
        // not armed: the reader waits without a deadline, until close
        Thread.sleep(300);
        assertFalse(reader.isDone());
        in.close();
        Throwable t = reader.get(20, TimeUnit.SECONDS);
        assertTrue(t instanceof IOException, String.valueOf(t));
        assertTrue(closed.get(), "the pipe is closed");
        assertThrows(IOException.class, in::read, "a closed stream is not read");
        in.close();
        writer.close();
    }

    @Test
    void aReaderInterruptedWhileWaitingIsNotTakenForATimeout() throws Exception {
        PipedOutputStream writer = new PipedOutputStream();
        try (IdleTimeoutInputStream in = IdleTimeoutInputStream.start(new PipedInputStream(writer), Duration.ofSeconds(30), "t")) {
            in.arm();
            CompletableFuture<Throwable> result = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try {
                    in.read();
                    result.complete(null);
                } catch (IOException e) {
                    result.complete(Thread.currentThread().isInterrupted() ? e : new AssertionError("interrupt lost", e));
                }
            });
            reader.start();
            Thread.sleep(200);
            reader.interrupt();
            Throwable t = result.get(20, TimeUnit.SECONDS);
            assertTrue(t instanceof IOException && !(t instanceof InterruptedIOException), String.valueOf(t));
        }
    }

    /** Reads {@code n} bytes, reading again after a timeout as JSch does (within 20 s, for a slow machine). */
    private static int readAtLeast(InputStream in, byte[] b, int n) throws IOException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        int got = 0;
        while (got < n) {
            int k;
            try {
                k = in.read(b, got, b.length - got);
            } catch (SocketTimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                continue;
            }
            if (k < 0) {
                break;
            }
            got += k;
        }
        return got;
    }
}
