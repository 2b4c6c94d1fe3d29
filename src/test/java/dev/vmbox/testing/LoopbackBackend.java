package dev.vmbox.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test fixture standing in for a model server behind a tunnel: a TCP server on 127.0.0.1 with a one-line
 * protocol. {@code ECHO\n} echoes every following byte; {@code BULK n\n} sends n bytes of {@link #pattern}
 * and closes; {@code BULK -1\n} sends forever (until the peer goes away).
 */
public final class LoopbackBackend implements AutoCloseable {
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    public LoopbackBackend() {
        try {
            server = new ServerSocket(0, 200, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        acceptor = new Thread(this::acceptLoop, "backend-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public static byte pattern(long i) {
        return (byte) ((i * 31 + 7) & 0xff);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                open.add(s);
                Thread t = new Thread(() -> serve(s), "backend-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            String line = readLine(in);
            if (line == null) {
                return;
            }
            if (line.equals("ECHO")) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } else if (line.startsWith("BULK ")) {
                long total = Long.parseLong(line.substring(5).trim());
                byte[] block = new byte[64 * 1024];
                for (int i = 0; i < block.length; i++) {
                    block[i] = pattern(i); // the pattern repeats every 256 bytes, so every block is the same
                }
                long sent = 0;
                while (total < 0 || sent < total) {
                    int len = (int) (total < 0 ? block.length : Math.min(block.length, total - sent));
                    out.write(block, 0, len);
                    sent += len;
                }
                out.flush();
            }
        } catch (IOException ignored) {
            // peer went away
        } finally {
            open.remove(s);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            sb.append((char) c);
            if (sb.length() > 100) {
                return null;
            }
        }
        return c < 0 ? null : sb.toString();
    }

    public static void sendLine(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
