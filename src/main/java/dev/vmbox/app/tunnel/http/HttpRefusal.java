package dev.vmbox.app.tunnel.http;

import java.nio.charset.StandardCharsets;

/**
 * A request the endpoint answers itself and never passes on: the status, one short line for the body, and
 * (401) the challenge. The connection is closed after the answer.
 */
public final class HttpRefusal extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;

    public HttpRefusal(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** The complete response: status line, a few headers, the one-line body; {@code Connection: close}. */
    public byte[] response() {
        byte[] body = ("vmbox: " + getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder()
                .append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n")
                .append("Content-Type: text/plain; charset=utf-8\r\n")
                .append("X-Content-Type-Options: nosniff\r\n")
                .append("Cache-Control: no-store\r\n");
        if (status == 401) {
            head.append("WWW-Authenticate: Bearer realm=\"vmbox\"\r\n");
        }
        head.append("Content-Length: ").append(body.length).append("\r\n")
                .append("Connection: close\r\n\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 431 -> "Request Header Fields Too Large";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Error";
        };
    }
}
