package dev.vmbox.provider.lima;

import java.util.List;

/**
 * One line of {@code limactl list --format json}: the fields vmbox reads. Numbers Lima leaves out when
 * empty are 0; the SSH port is 0 until Lima has chosen one. {@code dir} is the instance's folder under the
 * LIMA_HOME Lima uses (symlinks resolved); {@code userName} is the user its host agent logs in as
 * ({@code config.user.name}, after Lima merged its defaults and overrides); {@code message} is the lima.yaml's
 * {@code message} as Lima rendered it (vmbox's marker lives there).
 */
public record LimaInstance(String name, String status, String vmType, String arch, int cpus, long memoryBytes,
                           long diskBytes, String sshAddress, int sshLocalPort, String message, List<String> errors,
                           String dir, String userName) {
    public LimaInstance {
        errors = List.copyOf(errors == null ? List.of() : errors);
        dir = dir == null ? "" : dir;
        userName = userName == null ? "" : userName;
    }
}
