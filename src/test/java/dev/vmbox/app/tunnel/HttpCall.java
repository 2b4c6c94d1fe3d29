package dev.vmbox.app.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Test helper: one HTTP/1.1 request on its own connection ({@code Connection: close}), the answer read whole. */
public final class HttpCall {
    /** An answer; status -1 when the connection ended without one. */
    public record Answer(int status, Map<String, String> headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private HttpCall() {
    }

    /** {@code GET path} to 127.0.0.1:port with the key (null: none) and extra headers. */
    public static Answer get(int port, String path, String key, Map<String, String> headers) throws IOException {
        return send("127.0.0.1:" + port, "GET", path, key, headers, null);
    }

    /** A request to {@code endpoint} (HOST:PORT, or a Unix socket path: Host is then localhost). */
    public static Answer send(String endpoint, String method, String path, String key, Map<String, String> headers,
                              byte[] body) throws IOException {
        StringBuilder req = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", endpoint.startsWith("/") ? "localhost" : endpoint);
        if (key != null) {
            h.put("Authorization", "Bearer " + key);
        }
        h.putAll(headers);
        h.put("Connection", "close");
        if (body != null) {
            h.put("Content-Length", Integer.toString(body.length));
        }
        h.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        req.append("\r\n");
        byte[] head = req.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (endpoint.startsWith("/")) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(endpoint));
                var out = Channels.newOutputStream(ch);
                out.write(head);
                if (body != null) {
                    out.write(body);
                }
                return parse(Channels.newInputStream(ch).readAllBytes());
            }
        }
        int colon = endpoint.lastIndexOf(':');
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(endpoint.substring(0, colon).replace("[", "").replace("]", ""),
                    Integer.parseInt(endpoint.substring(colon + 1))), 5000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(head);
            if (body != null) {
                s.getOutputStream().write(body);
            }
            s.getOutputStream().flush();
            return parse(readAll(s.getInputStream()));
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[16384];
        int n;
        try {
            while ((n = in.read(buf)) >= 0) {
                b.write(buf, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // what came before the reset is the answer
        }
        return b.toByteArray();
    }

    static Answer parse(byte[] raw) {
        String all = new String(raw, StandardCharsets.ISO_8859_1);
        int end = all.indexOf("\r\n\r\n");
        if (!all.startsWith("HTTP/1.") || end < 0) {
            return new Answer(-1, Map.of(), raw);
        }
        String[] lines = all.substring(0, end).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Answer(Integer.parseInt(lines[0].substring(9, 12)), headers, body);
    }

    private static byte[] dechunk(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < b.length) {
            int eol = indexOf(b, i);
            int size = Integer.parseInt(new String(b, i, eol - i, StandardCharsets.US_ASCII).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            out.write(b, eol + 2, size);
            i = eol + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length - 1; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return b.length;
    }
}
