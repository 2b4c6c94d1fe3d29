package dev.vmbox.app.tunnel;

/**
 * What {@code vmbox tunnel status NAME} shows. It comes from the running agent, never from a file alone: when
 * no agent runs, nothing serves the endpoint, and the status says so.
 *
 * @param running   the agent runs and serves this tunnel
 * @param pid       the agent's pid, 0 when none
 * @param endpoint  where the tunnel listens on the host, or null when unknown
 * @param reachable the last round trip to the runtime's health path through ssh succeeded (phase UP)
 * @param phase     the tunnel's phase (CONNECTING, UP, BACKOFF, STOPPED, FAILED), or null
 * @param lastError the last failure, or null
 * @param since     when the phase began (ISO-8601), or null
 * @param restarts  how often the SSH connection was re-established
 * @param autostart the tunnel is wanted whenever the agent runs as a service ({@code vmbox autostart NAME on})
 */
public record TunnelStatus(boolean running, long pid, String endpoint, boolean reachable, String phase, String lastError,
                           String since, int restarts, boolean autostart) {

    /** Running, and the runtime answered through the tunnel. */
    public boolean up() {
        return running && reachable && "UP".equals(phase);
    }

    /** One line for people. */
    public String describe() {
        if (!running) {
            return "tunnel not running" + (lastError == null ? "" : " (last error: " + lastError + ")");
        }
        return "tunnel " + (up() ? "up" : phase == null ? "starting" : phase.toLowerCase()) + " on " + endpoint
                + " (agent pid " + pid + (restarts > 0 ? ", reconnected " + restarts + "x" : "") + ")"
                + (lastError == null || up() ? "" : ": " + lastError);
    }
}
