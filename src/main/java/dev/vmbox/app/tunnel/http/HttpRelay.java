package dev.vmbox.app.tunnel.http;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Carries one client connection to the runtime, request by request. Each request head is read and checked
 * ({@link HeadReader}, {@link EndpointPolicy}) before any of it goes on; its body follows with its own framing;
 * the next request on a kept-alive connection is read and checked the same way (pipelined ones too). The first
 * refused request is answered by the endpoint itself (after the responses to the requests before it, which
 * still arrive in order) and the connection is closed: a refused request never reaches the runtime.
 *
 * <p>Responses go back byte for byte and are flushed as they arrive, so streamed answers (server-sent events,
 * NDJSON) stream; the relay reads their framing only to know where each one ends. The connection to the runtime
 * is opened for the first accepted request, so a connection whose first request is refused never reaches the
 * guest at all. Blocking streams on both sides keep OpenSSH's per-channel flow control: a client that stops
 * reading stops this relay reading from the channel, and only that channel's window closes.
 */
public final class HttpRelay implements Runnable {
    /** Opens a connection to the runtime (through the instance's own SSH); throws when the tunnel is down. */
    @FunctionalInterface
    public interface Upstream {
        Conn open() throws IOException;
    }

    private static final int BUFFER = 16 * 1024;
    private static final Pending END = new Pending(null, null);
    /** After a refusal the rest of the request is read and dropped for this long, so the answer is not lost to a reset. */
    private static final long LINGER_MS = 2000;
    private static final long LINGER_BYTES = 1 << 20;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "relay-linger");
        t.setDaemon(true);
        return t;
    });

    private record Pending(String method, HttpRefusal refusal) {
    }

    private final Conn client;
    private final Upstream upstream;
    private final EndpointPolicy policy;
    private final String unavailable;
    private final Runnable onClose;
    private final BlockingQueue<Pending> pending = new ArrayBlockingQueue<>(64);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Conn guest;

    /**
     * @param unavailable the 502's message when the tunnel to the guest is down or the runtime does not answer
     * @param onClose     run once when the connection is closed
     */
    public HttpRelay(Conn client, Upstream upstream, EndpointPolicy policy, String unavailable, Runnable onClose) {
        this.client = client;
        this.upstream = upstream;
        this.policy = policy;
        this.unavailable = unavailable;
        this.onClose = onClose;
    }

    /** The request side, on the calling thread; the response side runs on its own thread once needed. */
    @Override
    public void run() {
        InputStream in = new BufferedInputStream(client.in(), BUFFER);
        HeadReader reader = new HeadReader(in);
        OutputStream toGuest = null;
        try {
            while (true) {
                RequestHead head;
                try {
                    head = reader.readRequest();
                    if (head == null) {
                        finishRequests();
                        return;
                    }
                    policy.check(head);
                } catch (HttpRefusal r) {
                    refuse(r);
                    return;
                }
                if (guest == null) {
                    try {
                        guest = upstream.open();
                    } catch (IOException e) {
                        refuse(new HttpRefusal(502, unavailable));
                        return;
                    }
                    toGuest = new BufferedOutputStream(guest.out(), BUFFER); // flushed at the end of each piece
                    Conn g = guest;
                    Thread responses = new Thread(() -> responses(g), "relay-responses");
                    responses.setDaemon(true);
                    responses.start();
                }
                enqueue(new Pending(head.method(), null));
                toGuest.write(policy.forUpstream(head));
                toGuest.flush(); // at once: a client that sent Expect: 100-continue waits for the runtime's answer
                try {
                    body(reader, in, toGuest, head.framing());
                } catch (HttpRefusal r) {
                    close(); // part of the body went on already: no clean answer is possible
                    return;
                }
                toGuest.flush();
                if (head.closeAfter()) {
                    finishRequests();
                    return;
                }
            }
        } catch (IOException e) {
            abandonRequests();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
        }
    }

    /**
     * Reading from the client or writing to the runtime failed: no more requests. With a connection to the runtime
     * the response side finishes (it answers 502 when the runtime closed before answering) and closes.
     */
    private void abandonRequests() {
        Conn g = guest;
        if (g == null) {
            close();
            return;
        }
        pending.offer(END);
        try {
            g.shutdownOutput();
        } catch (IOException e) {
            // the response side sees the end
        }
    }

    /** The client sent its last request: the runtime learns it (half close) and the responses still come. */
    private void finishRequests() throws IOException, InterruptedException {
        if (guest == null) {
            close();
            return;
        }
        enqueue(END);
        guest.shutdownOutput();
    }

    /** Answers a refused request: at once when nothing went to the runtime yet, else after the earlier answers. */
    private void refuse(HttpRefusal r) throws IOException, InterruptedException {
        if (guest == null) {
            answerAndClose(r);
        } else {
            enqueue(new Pending(null, r));
        }
    }

    private void enqueue(Pending p) throws IOException, InterruptedException {
        while (!pending.offer(p, 200, TimeUnit.MILLISECONDS)) {
            if (closed.get()) {
                throw new IOException("connection closed");
            }
        }
    }

    /**
     * Sends the refusal, closes the runtime's side, and reads what the client still sends for a moment before
     * closing (a close with unread data would reset the connection, and the client could lose the answer).
     */
    private void answerAndClose(HttpRefusal r) {
        Conn g = guest;
        if (g != null) {
            try {
                g.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        try {
            OutputStream out = client.out();
            out.write(r.response());
            out.flush();
            client.shutdownOutput();
            WATCHDOG.schedule(this::close, LINGER_MS, TimeUnit.MILLISECONDS);
            byte[] sink = new byte[BUFFER];
            InputStream in = client.in();
            long left = LINGER_BYTES;
            int n;
            while (left > 0 && (n = in.read(sink)) >= 0) {
                left -= n;
            }
        } catch (IOException ignored) {
            // the client left already
        }
        close();
    }

    /** The request body, by its framing: exactly Content-Length bytes, or chunks re-written canonically. */
    private static void body(HeadReader reader, InputStream in, OutputStream out, Framing framing)
            throws IOException, HttpRefusal {
        switch (framing.kind()) {
            case LENGTH -> copy(in, out, framing.length());
            case CHUNKED -> {
                while (true) {
                    long size = reader.chunkSize(null, 400);
                    out.write((Long.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    if (size == 0) {
                        reader.trailers(null, 400); // dropped: nothing the runtimes read
                        out.write('\r');
                        out.write('\n');
                        return;
                    }
                    copy(in, out, size);
                    reader.chunkEnd(null, 400);
                    out.write('\r');
                    out.write('\n');
                    out.flush(); // the chunk is complete: the runtime may answer it before the next one comes
                }
            }
            default -> {
                // no body
            }
        }
    }

    /** The response side: each answer in order, refused requests answered in their place. */
    private void responses(Conn g) {
        InputStream in = new BufferedInputStream(g.in(), BUFFER);
        HeadReader reader = new HeadReader(in);
        // flushed after each piece of a body and each answer: one segment per piece, not one per write
        OutputStream out = new BufferedOutputStream(client.out(), BUFFER);
        try {
            while (true) {
                Pending p = pending.take();
                if (p == END) {
                    close();
                    return;
                }
                if (p.refusal() != null) {
                    answerAndClose(p.refusal());
                    return;
                }
                while (true) {
                    ResponseHead head;
                    try {
                        head = reader.readResponse();
                    } catch (HttpRefusal r) {
                        answerAndClose(r);
                        return;
                    } catch (IOException e) {
                        head = null; // a reset instead of an end: ssh closed with the request unread
                    }
                    if (head == null) {
                        // ssh accepts, then closes when the runtime's port in the guest refuses the channel
                        answerAndClose(new HttpRefusal(502, unavailable));
                        return;
                    }
                    if (head.status() == 101) {
                        close(); // upgrades are never asked for (forUpstream drops them)
                        return;
                    }
                    out.write(head.raw());
                    out.flush(); // the head at once, before waiting for the body
                    if (head.interim()) {
                        continue;
                    }
                    Framing framing;
                    try {
                        framing = head.framing(p.method());
                        responseBody(reader, in, out, framing);
                    } catch (HttpRefusal r) {
                        close();
                        return;
                    }
                    out.flush();
                    if (framing.kind() == Framing.Kind.UNTIL_CLOSE || head.closeAfter()) {
                        close();
                        return;
                    }
                    break;
                }
            }
        } catch (IOException e) {
            close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
        }
    }

    /** A response body, forwarded as received and flushed as it comes. */
    private static void responseBody(HeadReader reader, InputStream in, OutputStream out, Framing framing)
            throws IOException, HttpRefusal {
        switch (framing.kind()) {
            case LENGTH -> copy(in, out, framing.length());
            case UNTIL_CLOSE -> {
                byte[] buf = new byte[BUFFER];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            }
            case CHUNKED -> {
                ByteArrayOutputStream line = new ByteArrayOutputStream(32);
                while (true) {
                    line.reset();
                    long size = reader.chunkSize(line, 502);
                    line.writeTo(out);
                    if (size == 0) {
                        line.reset();
                        reader.trailers(line, 502);
                        line.writeTo(out);
                        return;
                    }
                    copy(in, out, size);
                    line.reset();
                    reader.chunkEnd(line, 502);
                    line.writeTo(out);
                    out.flush();
                }
            }
            default -> {
                // no body
            }
        }
    }

    /** Copies exactly {@code n} bytes, flushing after each read so nothing waits in a buffer. */
    private static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(BUFFER, Math.max(1, n))];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new IOException("connection closed in the middle of a body");
            }
            out.write(buf, 0, r);
            out.flush();
            left -= r;
        }
    }

    /** Closes both sides (once); the other thread's blocked read or write then ends. */
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            client.close();
        } catch (IOException ignored) {
            // closing
        }
        Conn g = guest;
        if (g != null) {
            try {
                g.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        pending.offer(END); // wakes the response side if it waits for the next request
        onClose.run();
    }
}
