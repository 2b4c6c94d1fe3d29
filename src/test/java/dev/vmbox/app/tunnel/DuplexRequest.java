package dev.vmbox.app.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Test helper: one {@code POST /duplex} to the runtime stand-in, kept open; each chunk sent comes back at once,
 * so a round trip measures the path (relay, ssh, runtime) and not HTTP set-up.
 */
final class DuplexRequest implements AutoCloseable {
    private final Socket s;
    private final InputStream in;
    private final OutputStream out;

    /** @param key the API key, or null for a path without the endpoint's checks */
    DuplexRequest(int port, String key, int timeoutMs) throws IOException {
        s = new Socket("127.0.0.1", port);
        s.setTcpNoDelay(true);
        s.setSoTimeout(timeoutMs);
        in = s.getInputStream();
        out = s.getOutputStream();
        out.write(("POST /duplex HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + (key == null ? "" : "Authorization: Bearer " + key + "\r\n")
                + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed before the answer's head: " + head);
            }
            head.write(c);
        }
        if (!head.toString(StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200")) {
            throw new IOException("refused: " + head);
        }
    }

    /** Sends {@code msg} as one chunk and reads it back; milliseconds. */
    double roundTrip(byte[] msg) throws IOException {
        long t0 = System.nanoTime();
        ByteArrayOutputStream chunk = new ByteArrayOutputStream(msg.length + 16);
        chunk.write((Integer.toHexString(msg.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        chunk.write(msg);
        chunk.write('\r');
        chunk.write('\n');
        chunk.writeTo(out);
        out.flush();
        String size = line();
        if (!size.equals(Integer.toHexString(msg.length))) {
            throw new IOException("unexpected chunk size " + size);
        }
        byte[] back = new byte[msg.length];
        new DataInputStream(in).readFully(back);
        line();
        if (!Arrays.equals(msg, back)) {
            throw new IOException("echo differs");
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("closed");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        s.close();
    }
}
