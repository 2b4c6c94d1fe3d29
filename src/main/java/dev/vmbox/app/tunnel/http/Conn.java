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
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        return new Conn() {
            @Override
            public InputStream in() {
                return in;
            }

            @Override
            public OutputStream out() {
                return out;
            }

            @Override
            public void shutdownOutput() throws IOException {
                if (!socket.isClosed() && !socket.isOutputShutdown()) {
                    socket.shutdownOutput();
                }
            }

            @Override
            public void close() throws IOException {
                socket.close();
            }
        };
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
        return new Conn() {
            @Override
            public InputStream in() {
                return in;
            }

            @Override
            public OutputStream out() {
                return out;
            }

            @Override
            public void shutdownOutput() throws IOException {
                if (channel.isOpen()) {
                    channel.shutdownOutput();
                }
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }
}
