package dev.vmbox.app.verify;

/**
 * One promise vmbox makes about an instance, and whether it holds now.
 *
 * @param id     stable identifier (egress, loopback, runtime-user, sandbox, no-host-mounts, password-ssh,
 *               host-key, tunnel-loopback, api-key, web-origin, hypervisor-seal)
 * @param where  "guest" or "host"
 * @param result PASS, FAIL, or INFO (a limit of the provider, stated plainly)
 * @param detail what was seen
 */
public record Promise(String id, String where, Result result, String detail) {
    public enum Result { PASS, FAIL, INFO }
}
