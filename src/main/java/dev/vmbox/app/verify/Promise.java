package dev.vmbox.app.verify;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One promise vmbox makes about an instance, and whether it holds now.
 *
 * @param id     stable identifier (egress, egress-udp, egress-ipv6, loopback, runtime-user, sandbox, runtime-network,
 *               no-host-mounts, password-ssh, host-key, tunnel-loopback, api-key, web-origin, hypervisor-seal)
 * @param where  {@value #HOST}: vmbox checked it itself, from outside the guest; {@value #GUEST}: the guest reported it
 *               about itself (the probe script runs as root in the guest: a guest whose root is compromised could lie)
 * @param result PASS, FAIL, or INFO (a limit of the provider, stated plainly)
 * @param detail what was seen
 */
public record Promise(String id, String where, Result result, String detail) {
    public static final String HOST = "host";
    public static final String GUEST = "guest";

    public enum Result { PASS, FAIL, INFO }

    /** How the row was established, in words: what {@code --json} calls "evidence" and the text table shows. */
    @JsonProperty("evidence")
    public String evidence() {
        return HOST.equals(where) ? "checked on the host" : "reported by the guest";
    }
}
