package dev.vmbox.app.tunnel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The CLI's side of the agent's control socket: one request line, one answer line, per connection. The socket
 * is 0600 in the agent's 0700 folder, and the agent also checks the caller's uid.
 */
final class AgentClient {
    /** One answer: {@code OK json}, {@code ERR json} or {@code NONE}. */
    record Reply(String kind, String json) {
        boolean ok() {
            return kind.equals("OK");
        }
    }

    private final AgentFiles files;

    AgentClient(Path home) {
        this.files = new AgentFiles(home);
    }

    /** The agent's answer, or empty when no agent listens. */
    Optional<Reply> request(String line, Duration timeout) {
        Path socket = files.socket();
        if (!Files.exists(socket)) {
            return Optional.empty();
        }
        try (SocketChannel ch = UnixSockets.connect(socket.toString(), timeout)) {
            ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (in.hasRemaining() && ch.read(in) >= 0) {
                if (in.position() > 0 && in.get(in.position() - 1) == '\n') {
                    break;
                }
            }
            String reply = new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip();
            if (reply.isEmpty()) {
                return Optional.empty();
            }
            int sp = reply.indexOf(' ');
            return Optional.of(sp < 0 ? new Reply(reply, "") : new Reply(reply.substring(0, sp), reply.substring(sp + 1)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    boolean alive() {
        return request("PING", Duration.ofSeconds(5)).map(Reply::ok).orElse(false);
    }
}
