package dev.vmbox.app.tunnel;

/**
 * What {@code vmbox tunnel status NAME} shows.
 *
 * @param running   an agent process is alive (pid file present and matching a live process)
 * @param pid       the agent's pid, 0 when none
 * @param endpoint  where the tunnel listens on the host, or null when unknown
 * @param reachable the endpoint accepted a connection just now
 * @param phase     the agent's last reported phase (CONNECTING, UP, BACKOFF, STOPPED, FAILED), or null
 * @param lastError the last failure the agent recorded, or null
 * @param since     when the phase began (ISO-8601), or null
 * @param restarts  how often the SSH connection was re-established
 */
public record TunnelStatus(boolean running, long pid, String endpoint, boolean reachable, String phase, String lastError,
                           String since, int restarts) {

    /** Running, in phase UP and accepting connections. */
    public boolean up() {
        return running && reachable && "UP".equals(phase);
    }

    /** One line for people. */
    public String describe() {
        if (!running) {
            return "tunnel not running" + (lastError == null ? "" : " (last error: " + lastError + ")");
        }
        return "tunnel " + (up() ? "up" : phase == null ? "starting" : phase.toLowerCase()) + " on " + endpoint
                + " (pid " + pid + (restarts > 0 ? ", reconnected " + restarts + "x" : "") + ")"
                + (lastError == null || up() ? "" : ": " + lastError);
    }
}
