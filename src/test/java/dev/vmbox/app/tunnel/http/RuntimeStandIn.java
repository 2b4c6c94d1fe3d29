package dev.vmbox.app.tunnel.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test fixture standing in for a model server: a plain HTTP/1.1 server on 127.0.0.1 (keep-alive, Content-Length
 * and chunked bodies) written independently of the relay's parser, recording every request and every connection
 * it saw, so a test can prove what reached the runtime and what never did.
 * <ul>
 *   <li>{@code GET /}: "Ollama is running"; {@code GET /health}: "ok"; {@code GET /api/version}: a version</li>
 *   <li>{@code POST /echo}: the body back (Content-Length)</li>
 *   <li>{@code POST /duplex}: a chunked answer that echoes each request chunk as it arrives (round trips on one
 *       request)</li>
 *   <li>{@code GET /stream?n=N&delay=MS}: N server-sent events, MS apart, chunked</li>
 *   <li>{@code GET /bulk?n=N}: N bytes ({@code n=-1}: endless, chunked)</li>
 *   <li>anything else: 404</li>
 * </ul>
 */
public final class RuntimeStandIn implements AutoCloseable {
    /** One request as the stand-in read it. */
    public record Seen(String method, String target, Map<String, String> headers, byte[] body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final ServerSocket server;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    public RuntimeStandIn() {
        this(0);
    }

    /** A stand-in on 127.0.0.1:{@code port} (0: any free port), e.g. a runtime's own fixed port. */
    public RuntimeStandIn(int port) {
        try {
            server = new ServerSocket(port, 200, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread t = new Thread(this::accept, "stand-in-accept");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    public int connections() {
        return connections.get();
    }

    /** Forgets what it saw. */
    public void reset() {
        seen.clear();
        connections.set(0);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                connections.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "stand-in-conn");
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
            OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 32 * 1024);
            while (true) {
                String line = line(in);
                if (line == null) {
                    return;
                }
                if (line.isEmpty()) {
                    continue;
                }
                String[] rl = line.split(" ");
                Map<String, String> headers = new LinkedHashMap<>();
                String h;
                while (!(h = next(in)).isEmpty()) {
                    int c = h.indexOf(':');
                    headers.merge(h.substring(0, c).trim().toLowerCase(Locale.ROOT), h.substring(c + 1).trim(), (a, b) -> a + "," + b);
                }
                String method = rl[0];
                String target = rl[1];
                if ("POST".equals(method) && target.equals("/duplex") && "chunked".equals(headers.get("transfer-encoding"))) {
                    seen.add(new Seen(method, target, headers, new byte[0]));
                    duplex(in, out);
                    continue;
                }
                byte[] body = body(in, headers);
                seen.add(new Seen(method, target, headers, body));
                respond(method, target, body, out);
                if ("close".equalsIgnoreCase(headers.get("connection"))) {
                    return;
                }
            }
        } catch (IOException e) {
            // client went away
        } finally {
            open.remove(s);
        }
    }

    private static byte[] body(InputStream in, Map<String, String> headers) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                long size = Long.parseLong(next(in).split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!next(in).isEmpty()) {
                        // trailers
                    }
                    return b.toByteArray();
                }
                b.write(in.readNBytes((int) size));
                line(in);
            }
        }
        String cl = headers.get("content-length");
        return cl == null ? new byte[0] : in.readNBytes(Integer.parseInt(cl));
    }

    private static void duplex(InputStream in, OutputStream out) throws IOException {
        out.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        while (true) {
            long size = Long.parseLong(next(in).split(";")[0].trim(), 16);
            if (size == 0) {
                while (!next(in).isEmpty()) {
                    // trailers
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return;
            }
            byte[] data = in.readNBytes((int) size);
            line(in);
            out.write((Long.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(data);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    private static void respond(String method, String target, byte[] body, OutputStream out) throws IOException {
        URI u = URI.create(target);
        String path = u.getPath();
        Map<String, String> q = new LinkedHashMap<>();
        if (u.getQuery() != null) {
            for (String kv : u.getQuery().split("&")) {
                String[] p = kv.split("=", 2);
                q.put(p[0], p.length > 1 ? p[1] : "");
            }
        }
        boolean head = method.equals("HEAD");
        switch (path) {
            case "/" -> fixed(out, 200, "text/plain", "Ollama is running".getBytes(StandardCharsets.UTF_8), head);
            case "/health" -> fixed(out, 200, "application/json", "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8), head);
            case "/api/version" -> fixed(out, 200, "application/json", "{\"version\":\"0.0.0-standin\"}".getBytes(StandardCharsets.UTF_8), head);
            case "/api/tags" -> fixed(out, 200, "application/json", "{\"models\":[]}".getBytes(StandardCharsets.UTF_8), head);
            case "/echo" -> fixed(out, 200, "application/octet-stream", body, head);
            case "/stream" -> {
                int n = Integer.parseInt(q.getOrDefault("n", "3"));
                long delay = Long.parseLong(q.getOrDefault("delay", "0"));
                out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        sleep(delay);
                    }
                    byte[] ev = ("data: " + i + "\n\n").getBytes(StandardCharsets.US_ASCII);
                    out.write((Integer.toHexString(ev.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(ev);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            case "/bulk" -> {
                long n = Long.parseLong(q.getOrDefault("n", "0"));
                byte[] chunk = new byte[16 * 1024];
                for (int i = 0; i < chunk.length; i++) {
                    chunk[i] = (byte) (i * 31 + 7);
                }
                if (n < 0) {
                    out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    while (true) {
                        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(chunk);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                }
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + n + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                for (long left = n; left > 0; left -= chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, left));
                }
                out.flush();
            }
            default -> fixed(out, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8), head);
        }
    }

    private static void fixed(OutputStream out, int status, String type, byte[] body, boolean head) throws IOException {
        out.write(("HTTP/1.1 " + status + (status == 200 ? " OK" : " Not Found") + "\r\nContent-Type: " + type
                + "\r\nContent-Length: " + body.length + "\r\nAccess-Control-Allow-Origin: *\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        if (!head) {
            out.write(body);
        }
        out.flush();
    }

    /** A line that must come (the client closed in the middle of a body otherwise). */
    private static String next(InputStream in) throws IOException {
        String l = line(in);
        if (l == null) {
            throw new IOException("closed in the middle of a body");
        }
        return l;
    }

    /** A line without CRLF; null at end of stream before any byte. */
    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) b);
        }
        if (sb.length() == 0) {
            return null;
        }
        throw new IOException("eof in line");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes every open connection (as a runtime restart would) but keeps listening. */
    public void dropConnections() {
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        dropConnections();
    }
}
