package dev.vmbox.provider.lima;

import java.util.List;

/**
 * One line of {@code limactl list --format json}: the fields vmbox reads. Numbers Lima leaves out when
 * empty are 0; the SSH port is 0 until Lima has chosen one.
 */
public record LimaInstance(String name, String status, String vmType, String arch, int cpus, long memoryBytes,
                           long diskBytes, String sshAddress, int sshLocalPort, String message, List<String> errors) {
    public LimaInstance {
        errors = List.copyOf(errors == null ? List.of() : errors);
    }
}
