package dev.vmbox.app.instance;

import dev.vmbox.app.tunnel.TunnelFiles;
import dev.vmbox.store.FileNames;
import java.nio.file.Path;

/** Where one instance's files live inside its folder in VMBOX_HOME; the names are {@link FileNames}'. */
public record InstanceFiles(Path dir) {
    public Path sshDir() {
        return dir.resolve(FileNames.SSH_DIR);
    }

    public Path clientKey() {
        return sshDir().resolve(FileNames.CLIENT_KEY);
    }

    public Path knownHosts() {
        return sshDir().resolve(FileNames.KNOWN_HOSTS);
    }

    /**
     * The instance's API key file ({@code dev.vmbox.security.ApiKeys}): what the endpoint asks of clients, and
     * what a runtime that checks keys itself is given. {@code ApiKeys.ensure(files.apiKey())} makes it if needed.
     */
    public Path apiKey() {
        return sshDir().resolve(FileNames.API_KEY);
    }

    public Path seedDir() {
        return dir.resolve(FileNames.CLOUD_INIT_DIR);
    }

    public Path logsDir() {
        return dir.resolve(FileNames.LOGS_DIR);
    }

    public Path createLog() {
        return logsDir().resolve(FileNames.CREATE_LOG);
    }

    public Path tunnelDir() {
        return dir.resolve(FileNames.TUNNEL_DIR);
    }

    /** The files of the instance's API tunnel agent. */
    public TunnelFiles tunnel() {
        return new TunnelFiles(tunnelDir());
    }
}
