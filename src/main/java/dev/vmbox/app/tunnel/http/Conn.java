package dev.vmbox.app.tunnel.http;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One stream connection (TCP socket or Unix-domain socket channel) whose two directions are used by two
 * threads at once: the streams of a {@link SocketChannel} are written here rather than taken from
 * {@code Channels}, whose streams share one lock between reading and writing.
 */
public interface Conn extends Closeable {
    InputStream in();

    OutputStream out();

    /** Tells the peer nothing more will be sent (a half close). */
    void shutdownOutput() throws IOException;

    static Conn of(Socket socket) throws IOException {
        return new Streams(socket.getInputStream(), socket.getOutputStream(), () -> {
            if (!socket.isClosed() && !socket.isOutputShutdown()) {
                socket.shutdownOutput();
            }
        }, socket);
    }

    /** A blocking channel (Unix-domain or TCP). */
    static Conn of(SocketChannel channel) {
        InputStream in = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                return channel.read(ByteBuffer.wrap(b, off, len));
            }
        };
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            }
        };
        return new Streams(in, out, () -> {
            if (channel.isOpen()) {
                channel.shutdownOutput();
            }
        }, channel);
    }

    /** The two streams of a connection, how to half-close it and how to close it. */
    record Streams(InputStream in, OutputStream out, Closeable halfClose, Closeable whole) implements Conn {
        @Override
        public void shutdownOutput() throws IOException {
            halfClose.close();
        }

        @Override
        public void close() throws IOException {
            whole.close();
        }
    }
}
