package dev.vmbox.app.tunnel;

import dev.vmbox.runtime.RuntimeKind;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Asks the runtime's health path through ssh's socket: an HTTP answer means a request reached the runtime, the
 * meaning of a tunnel's UP.
 */
record HealthProbe(RuntimeKind runtime, int remotePort, Path upstreamSocket, ScheduledExecutorService timer) {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** The path whose answer means the runtime is reached: Ollama's {@code /}, the others' {@code /health}. */
    static String healthPath(RuntimeKind runtime) {
        return runtime == RuntimeKind.OLLAMA ? "/" : "/health";
    }

    /** One request for the health path through ssh's socket: the status line, or why there is none. */
    String probe() {
        String request = "GET " + healthPath(runtime) + " HTTP/1.1\r\nHost: 127.0.0.1:" + remotePort
                + "\r\nUser-Agent: vmbox-agent\r\nAccept: */*\r\nConnection: close\r\n\r\n";
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> deadline = timer.schedule(() -> {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing
                }
            }, TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            try {
                ch.connect(UnixDomainSocketAddress.of(upstreamSocket));
                ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                ByteBuffer in = ByteBuffer.allocate(64);
                while (in.hasRemaining()) {
                    if (ch.read(in) < 0) {
                        break;
                    }
                    String got = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
                    int eol = got.indexOf('\r');
                    if (eol > 0) {
                        return got.substring(0, eol);
                    }
                }
                String got = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
                return got.startsWith("HTTP/") ? got.strip() : "no HTTP answer from port " + remotePort
                        + " in the guest (is the runtime running?)";
            } finally {
                deadline.cancel(false);
            }
        } catch (IOException e) {
            return "no answer through ssh (" + e.getClass().getSimpleName() + ")";
        }
    }
}
