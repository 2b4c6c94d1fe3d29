package dev.vmbox.app.tunnel;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the owner wants of an instance's tunnel, kept on disk so the agent can come back to it after a restart
 * (or a host restart, as a service) without being told again.
 *
 * @param wanted     the tunnel should run ({@code tunnel start}, {@code start}, {@code create}; cleared by
 *                   {@code tunnel stop}, {@code stop})
 * @param autostart  the tunnel runs whenever the agent runs as a service ({@code vmbox autostart NAME on})
 * @param socket     the API is a Unix socket in the tunnel folder instead of TCP ({@code tunnel start --socket})
 * @param keyOff     the owner turned the API key off ({@code tunnel start --no-api-key}); the web checks stay
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TunnelWish(boolean wanted, boolean autostart, boolean socket, boolean keyOff) {
    public static final TunnelWish NONE = new TunnelWish(false, false, false, false);
    private static final ObjectMapper JSON = new ObjectMapper();

    public TunnelWish withWanted(boolean w) {
        return new TunnelWish(w, autostart, socket, keyOff);
    }

    public TunnelWish withAutostart(boolean a) {
        return new TunnelWish(wanted, a, socket, keyOff);
    }

    public TunnelWish withSocket(boolean s) {
        return new TunnelWish(wanted, autostart, s, keyOff);
    }

    public TunnelWish withKeyOff(boolean k) {
        return new TunnelWish(wanted, autostart, socket, k);
    }

    /** The tunnel should be served by an agent that runs as a service ({@code service}) or on demand. */
    public boolean serve(boolean service) {
        return wanted || service && autostart;
    }

    public static TunnelWish read(Path file) {
        try {
            return Files.isRegularFile(file) ? JSON.readValue(file.toFile(), TunnelWish.class) : NONE;
        } catch (IOException e) {
            return NONE;
        }
    }

    public void write(Path file) {
        try {
            SecureFiles.writeAtomically(file, JSON.writeValueAsBytes(this));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
