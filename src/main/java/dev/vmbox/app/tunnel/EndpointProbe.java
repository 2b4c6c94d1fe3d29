package dev.vmbox.app.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Asks an endpoint one request from the host, as a client would, and returns the status it answers: how
 * {@code vmbox verify} checks on the host that the endpoint refuses a request without the key and one from a
 * web page. The request never carries the API key.
 */
public final class EndpointProbe {
    private EndpointProbe() {
    }

    /**
     * The status {@code endpoint} ({@code 127.0.0.1:PORT}, {@code [::1]:PORT} or a socket path) answers to
     * {@code method path} with {@code headers} (Host is the endpoint's own), or -1 when it does not answer.
     */
    public static int status(String endpoint, String method, String path, Map<String, String> headers, Duration timeout) {
        StringBuilder req = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(endpoint.startsWith("/") ? "localhost" : endpoint).append("\r\n");
        headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        req.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
        byte[] bytes = req.toString().getBytes(StandardCharsets.ISO_8859_1);
        try {
            if (endpoint.startsWith("/")) {
                try (SocketChannel ch = UnixSockets.connect(endpoint, timeout)) {
                    Channels.newOutputStream(ch).write(bytes);
                    return statusOf(Channels.newInputStream(ch));
                }
            }
            int colon = endpoint.lastIndexOf(':');
            String host = endpoint.substring(0, colon).replace("[", "").replace("]", "");
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, Integer.parseInt(endpoint.substring(colon + 1))), (int) timeout.toMillis());
                s.setSoTimeout((int) timeout.toMillis());
                OutputStream out = s.getOutputStream();
                out.write(bytes);
                out.flush();
                return statusOf(s.getInputStream());
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static int statusOf(InputStream in) throws IOException {
        byte[] head = in.readNBytes(12);
        String line = new String(head, StandardCharsets.ISO_8859_1);
        return line.matches("HTTP/1\\.[01] [0-9]{3}") ? Integer.parseInt(line.substring(9, 12)) : -1;
    }
}
