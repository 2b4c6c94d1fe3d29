package dev.vmbox.app.tunnel;

import dev.vmbox.VmboxException;
import dev.vmbox.ssh.OpenSshPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The processes a killed tunnel agent leaves behind: each is ended by pid, and only when its own command line
 * shows it is this tunnel's.
 */
final class Orphans {
    private Orphans() {
    }

    /**
     * Ends what a killed agent left behind for one tunnel: its ssh (the state file names the pid; it is ended only
     * if that process's command line is an ssh forwarding this tunnel's own socket) and an agent of the earlier
     * one-per-instance design still holding the port (its pid file; ended only if its command line runs the
     * tunnel agent for this folder). Returns whether anything was ended.
     */
    static boolean end(Path stateDir) {
        TunnelFiles tf = new TunnelFiles(stateDir);
        boolean ended = false;
        Optional<TunnelState> st = TunnelState.read(stateDir);
        if (st.isPresent() && st.get().sshPid() > 0 && st.get().pid() != ProcessHandle.current().pid()) {
            String socket;
            try {
                socket = OpenSshPaths.argument(tf.upstreamSocket());
            } catch (VmboxException e) {
                socket = null;
            }
            String marker = socket;
            ended |= ProcessHandle.of(st.get().sshPid()).filter(h -> marker != null && isOurs(h, "ssh", marker)).map(Orphans::endProcess)
                    .orElse(false);
        }
        try {
            if (Files.isRegularFile(tf.legacyPid())) {
                long pid = Long.parseLong(Files.readString(tf.legacyPid()).strip().split("\\s+")[0]);
                String dir = stateDir.toAbsolutePath().toString();
                ended |= ProcessHandle.of(pid).filter(h -> isOurs(h, "java", dir)
                        && h.info().arguments().map(a -> List.of(a).contains("run")).orElse(false)).map(Orphans::endProcess).orElse(false);
                Files.deleteIfExists(tf.legacyPid());
            }
        } catch (IOException | NumberFormatException e) {
            // nothing to end
        }
        return ended;
    }

    private static boolean isOurs(ProcessHandle h, String program, String argument) {
        ProcessHandle.Info info = h.info();
        boolean prog = info.command().map(c -> Path.of(c).getFileName().toString().equals(program)).orElse(false);
        boolean arg = info.arguments().map(a -> String.join(" ", a).contains(argument)).orElse(false);
        return h.isAlive() && prog && arg;
    }

    private static boolean endProcess(ProcessHandle h) {
        h.destroy();
        try {
            h.onExit().get(3, TimeUnit.SECONDS);
        } catch (Exception e) {
            h.destroyForcibly();
        }
        return true;
    }
}
