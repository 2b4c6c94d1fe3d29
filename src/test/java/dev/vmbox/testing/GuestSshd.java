package dev.vmbox.testing;

import dev.vmbox.exec.BackgroundProcess;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test fixture: the real OpenSSH {@code sshd} of this machine, configured as in a vmbox guest. It runs in a mount
 * namespace of its own ({@code unshare --mount}, root only) where a temporary folder is mounted over
 * {@code /etc/ssh} (Debian's stock {@code sshd_config}, which includes {@code /etc/ssh/sshd_config.d/*.conf} first,
 * plus the drop-ins and the host key the test gives) and temporary copies of {@code /etc/passwd} and
 * {@code /etc/group} list the guest's users, each with a home and an {@code ~/.ssh/authorized_keys}. Nothing outside
 * the namespace changes: the host's users, /etc/ssh and sshd are untouched. Stopped by its pid.
 *
 * <p>Differences from a guest, on purpose: it listens on 127.0.0.1 and a free port instead of port 22, keeps no pid
 * file, and runs without PAM (the test's users have no password entries at all).
 */
public final class GuestSshd implements AutoCloseable {
    public static final Path SSHD = Path.of("/usr/sbin/sshd");
    private static final Executables EXECUTABLES = Executables.fromEnvironment(
            Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin"));
    public static final CommandRunner RUNNER = new ZtExecCommandRunner(EventLog.NONE, EXECUTABLES);
    /** The first uid given to the test's users (far from the host's own). */
    private static final int FIRST_UID = 61000;
    /**
     * Lays the folder given as $1 over /etc (an overlay: the guest's own files beside the host's), then mounts the
     * folders given as $2..$4 over /etc/ssh, /etc/passwd and /etc/group, then runs the rest.
     */
    private static final String IN_NAMESPACE = "set -e; if [ -n \"$1\" ]; then mount -t overlay guest-etc "
            + "-o lowerdir=/etc,upperdir=\"$1/upper\",workdir=\"$1/work\" /etc; fi; mount --bind \"$2\" /etc/ssh; "
            + "mount --bind \"$3\" /etc/passwd; mount --bind \"$4\" /etc/group; shift 4; exec \"$@\"";

    /** One login user of the guest: its name and the public key lines in its authorized_keys. */
    public record User(String name, List<String> authorizedKeys) {
        public User {
            authorizedKeys = List.copyOf(authorizedKeys);
        }
    }

    private final Path dir;
    private final int port;
    private final boolean overlay;
    private BackgroundProcess process;

    private GuestSshd(Path dir, int port, boolean overlay) {
        this.dir = dir;
        this.port = port;
        this.overlay = overlay;
    }

    /**
     * Whether this machine can run it: root, {@code unshare} and a mount namespace, and sshd. The reason it cannot,
     * else null.
     */
    public static String cannotRun() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not root: a mount namespace and other users' logins need root";
        }
        if (!Files.isExecutable(SSHD)) {
            return SSHD + " is not installed (apt-get install openssh-server)";
        }
        if (EXECUTABLES.find("unshare").isEmpty()) {
            return "unshare is not installed (util-linux)";
        }
        CommandResult r = RUNNER.run(Command.of(Duration.ofSeconds(10), "unshare", "--mount", "--propagation", "private",
                "true").allowExitCodes(1));
        return r.ok() ? null : "no mount namespace here: " + r.stderr().strip();
    }

    /** Whether files can be laid over /etc in a namespace here (an overlay mount); the reason it cannot, else null. */
    public static String cannotOverlayEtc(Path scratch) {
        String why = cannotRun();
        if (why != null) {
            return why;
        }
        try {
            Files.createDirectories(scratch.resolve("upper"));
            Files.createDirectories(scratch.resolve("work"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CommandResult r = RUNNER.run(Command.of(Duration.ofSeconds(10), "unshare", "--mount", "--propagation", "private",
                "mount", "-t", "overlay", "guest-etc", "-o", "lowerdir=/etc,upperdir=" + scratch.resolve("upper")
                        + ",workdir=" + scratch.resolve("work"), "/etc").allowExitCodes(1, 32));
        return r.ok() ? null : "no overlay mount here: " + r.stderr().strip();
    }

    /**
     * Starts sshd with {@code dropIns} (file name to content, as in /etc/ssh/sshd_config.d), the host key
     * {@code /etc/ssh/ssh_host_ed25519_key} and {@code users}.
     */
    public static GuestSshd start(Path parent, Map<String, String> dropIns, String hostPrivateKey, List<User> users) {
        return start(parent, dropIns, hostPrivateKey, users, Map.of());
    }

    /**
     * {@link #start(Path, Map, String, List)} with more files of the guest under /etc ({@code etcFiles}: absolute
     * path to content, e.g. vmbox's {@code /etc/vmbox/guest.json}), laid over the host's /etc in the namespace.
     */
    public static GuestSshd start(Path parent, Map<String, String> dropIns, String hostPrivateKey, List<User> users,
                                  Map<String, String> etcFiles) {
        try {
            Path dir = Files.createDirectories(parent.resolve("guest"));
            // the users' homes are below: every folder on the way must be passable for them (sshd reads
            // authorized_keys as the user)
            for (Path p : List.of(parent, dir)) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
            }
            for (Path p = parent.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
                if (!Files.getPosixFilePermissions(p).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                    throw new IllegalStateException(p + " is closed to other users, so the guest's users cannot reach "
                            + "their homes below it: make it passable (chmod o+x) before starting the guest's sshd");
                }
            }
            Path etcSsh = Files.createDirectories(dir.resolve("etc-ssh"));
            Path conf = Files.createDirectories(etcSsh.resolve("sshd_config.d"));
            for (Map.Entry<String, String> e : dropIns.entrySet()) {
                Files.writeString(conf.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
            }
            Path hostKey = etcSsh.resolve("ssh_host_ed25519_key");
            Files.writeString(hostKey, hostPrivateKey.endsWith("\n") ? hostPrivateKey : hostPrivateKey + "\n");
            Files.setPosixFilePermissions(hostKey, PosixFilePermissions.fromString("rw-------"));
            int port = LocalSshd.freePort();
            // Debian 12's stock /etc/ssh/sshd_config (all its active lines, in order), where a guest's differs only in
            // UsePAM; then the test's port.
            Files.writeString(etcSsh.resolve("sshd_config"), String.join("\n",
                    "Include /etc/ssh/sshd_config.d/*.conf",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "X11Forwarding yes",
                    "PrintMotd no",
                    "AcceptEnv LANG LC_*",
                    "Subsystem sftp /usr/lib/openssh/sftp-server",
                    "Port " + port,
                    "ListenAddress 127.0.0.1",
                    "PidFile none",
                    "LogLevel VERBOSE",
                    ""));
            StringBuilder passwd = new StringBuilder(Files.readString(Path.of("/etc/passwd")));
            StringBuilder group = new StringBuilder(Files.readString(Path.of("/etc/group")));
            int uid = FIRST_UID;
            for (User u : users) {
                Path home = Files.createDirectories(dir.resolve("home").resolve(u.name()));
                Path ssh = Files.createDirectories(home.resolve(".ssh"));
                Path keys = ssh.resolve("authorized_keys");
                Files.writeString(keys, u.authorizedKeys().isEmpty() ? "" : String.join("\n", u.authorizedKeys()) + "\n");
                Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
                Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-------"));
                for (Path p : List.of(home, ssh, keys)) {
                    Files.setAttribute(p, "unix:uid", uid);
                    Files.setAttribute(p, "unix:gid", uid);
                }
                passwd.append(u.name()).append(":x:").append(uid).append(':').append(uid).append("::").append(home)
                        .append(":/bin/bash\n");
                group.append(u.name()).append(":x:").append(uid).append(":\n");
                uid++;
            }
            for (Map.Entry<String, String> e : etcFiles.entrySet()) {
                if (!e.getKey().startsWith("/etc/") || e.getKey().contains("..")) {
                    throw new IllegalArgumentException("not a file under /etc: " + e.getKey());
                }
                Path file = dir.resolve("etc/upper").resolve(e.getKey().substring("/etc/".length()));
                Files.createDirectories(file.getParent());
                Files.createDirectories(dir.resolve("etc/work"));
                Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
            }
            Files.writeString(dir.resolve("passwd"), passwd.toString());
            Files.writeString(dir.resolve("group"), group.toString());
            Path privsep = Path.of("/run/sshd");
            if (!Files.isDirectory(privsep)) {
                Files.createDirectories(privsep);
                Files.setPosixFilePermissions(privsep, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            GuestSshd sshd = new GuestSshd(dir, port, !etcFiles.isEmpty());
            sshd.startProcess();
            return sshd;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> inNamespace(List<String> argv) {
        List<String> out = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                IN_NAMESPACE, "guest-sshd", overlay ? dir.resolve("etc").toString() : "", dir.resolve("etc-ssh").toString(),
                dir.resolve("passwd").toString(), dir.resolve("group").toString()));
        out.addAll(argv);
        return out;
    }

    private void startProcess() {
        process = BackgroundProcess.start(inNamespace(List.of(SSHD.toString(), "-D", "-e", "-f", "/etc/ssh/sshd_config")),
                Map.of(), dir.resolve("sshd.log"), EXECUTABLES);
        Poll.until("the guest's sshd on port " + port, () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("sshd exited: " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                throw new NotReady(e.getMessage());
            }
        }).every(Duration.ofMillis(20)).await(Duration.ofSeconds(10));
    }

    /**
     * sshd's effective settings for a connection by {@code user} from 127.0.0.1 ({@code sshd -T -C}), as
     * {@code keyword -> values} (lower-case keywords; repeated keywords such as allowusers keep every value).
     */
    public Map<String, List<String>> effectiveConfig(String user) {
        CommandResult r = RUNNER.run(Command.of(Duration.ofSeconds(20), inNamespace(List.of(SSHD.toString(), "-T", "-C",
                "user=" + user + ",host=localhost,addr=127.0.0.1,laddr=127.0.0.1,lport=" + port,
                "-f", "/etc/ssh/sshd_config"))));
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0) {
                out.computeIfAbsent(line.substring(0, sp), k -> new ArrayList<>()).add(line.substring(sp + 1));
            }
        }
        return out;
    }

    public int port() {
        return port;
    }

    /** The home of {@code user} (owned by it). */
    public Path home(String user) {
        return dir.resolve("home").resolve(user);
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("sshd.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.stop(Duration.ofSeconds(3));
            process = null;
        }
    }
}
