package dev.vmbox.image;

import java.util.Map;
import java.util.Optional;

/**
 * The person behind {@code sudo vmbox ...}: sudo runs vmbox as root and names who asked in {@code SUDO_USER},
 * {@code SUDO_UID} and {@code SUDO_GID} (sudo sets these itself; the caller cannot choose them).
 *
 * @param user the login name
 * @param uid  the numeric user id
 * @param gid  the numeric primary group id
 */
public record SudoCaller(String user, int uid, int gid) {
    /**
     * Who this process runs for when it is root through sudo for another, non-root user; empty when it runs as
     * that user itself, as root logged in as root, or when the variables are missing or malformed.
     */
    public static Optional<SudoCaller> of(Map<String, String> env, boolean runningAsRoot) {
        if (!runningAsRoot) {
            return Optional.empty();
        }
        String user = env.get("SUDO_USER");
        try {
            int uid = Integer.parseInt(env.getOrDefault("SUDO_UID", ""));
            int gid = Integer.parseInt(env.getOrDefault("SUDO_GID", ""));
            if (user == null || user.isBlank() || uid <= 0 || gid < 0) {
                return Optional.empty();
            }
            return Optional.of(new SudoCaller(user, uid, gid));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether this process runs as root (uid 0); false where that cannot be told (not a Unix). */
    public static boolean runningAsRoot() {
        try {
            return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }
}
