package dev.vmbox.provider.lima;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The folder Lima keeps its instances in, found as Lima finds it (pkg/limatype/dirnames LimaDir): {@code $LIMA_HOME},
 * else {@code $HOME/.lima}, with symlinks resolved when it exists. Each instance lives in {@code <home>/<name>}, and
 * its sockets there must fit the host's Unix socket path limit.
 */
public record LimaHome(Path dir) {
    /**
     * The socket name Lima counts with (pkg/limatype/filenames LongestSock): ssh adds 16 random characters to the
     * ControlMaster's socket {@code ssh.sock} while it makes it.
     */
    static final String LONGEST_SOCKET = "ssh.sock.1234567890123456";

    public static LimaHome fromEnvironment(Map<String, String> env) {
        String dir = env.get("LIMA_HOME");
        if (dir == null || dir.isEmpty()) {
            String home = env.getOrDefault("HOME", System.getProperty("user.home"));
            dir = Path.of(home, ".lima").toString();
        }
        Path p = Path.of(dir).toAbsolutePath();
        try {
            return new LimaHome(Files.exists(p) ? p.toRealPath() : p);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "cannot resolve Lima's folder " + p + ": " + e.getMessage(),
                    "check LIMA_HOME (or ~/.lima) and its permissions", e);
        }
    }

    /** The folder of the Lima instance {@code limaName}. */
    public Path instanceDir(String limaName) {
        return dir.resolve(limaName);
    }

    /**
     * Refuses, before Lima is asked, an instance whose sockets would not fit the host's limit: Lima itself refuses
     * it at create ("instance name … too long", pkg/instance/create.go), and a host agent with a longer path fails
     * later. {@code instName} is vmbox's instance name, for the hint.
     */
    void checkSocketPaths(String limaName, String instName, HostPlatform host) {
        String longest = instanceDir(limaName).resolve(LONGEST_SOCKET).toString();
        int length = longest.getBytes(StandardCharsets.UTF_8).length;
        int max = host.unixPathMax();
        if (length >= max) {
            int over = length - max + 1;
            throw VmboxException.badInput("Lima's sockets for '" + instName + "' would not fit this host's limit: "
                    + longest + " is " + length + " bytes, and a Unix socket path must be shorter than " + max,
                    "use an instance name at least " + over + " characters shorter, or a shorter LIMA_HOME (now " + dir + ")");
        }
    }
}
