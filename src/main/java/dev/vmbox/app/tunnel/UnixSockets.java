package dev.vmbox.app.tunnel;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Client connections to the Unix sockets of this package (the agent's control socket, an API socket). */
final class UnixSockets {
    private UnixSockets() {
    }

    /**
     * A connection to {@code socket} that is closed once {@code timeout} has passed, whatever it is doing then (a
     * blocked connect, read or write ends with an IOException): a peer that stops answering cannot hold the caller.
     */
    static SocketChannel connect(String socket, Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        });
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return ch;
    }
}
