package dev.vmbox.provider;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a guest's serial console log says about its sshd. systemd prints a status line when {@code ssh.service}
 * has started (or {@code ssh.socket} listens, where sshd is socket-activated); before that, a connection through the
 * hypervisor's forward reaches no sshd (QEMU's user-mode stack accepts it and may hold it for a minute), and once
 * sshd runs, a connection closed before authenticating is what OpenSSH 9.8+ penalises per source. So vmbox opens none
 * before the console says sshd is there.
 */
public final class BootConsole {
    /** ANSI colour sequences systemd puts around unit names on a terminal. */
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");
    private static final Pattern SSHD_UP = Pattern.compile(
            "(?m)(Started|Listening on) [^\\n]*\\bssh\\.(service|socket)\\b");
    /** A runtime image's seed unit failed: sshd starts anyway, but without the admin or the pinned host key. */
    private static final Pattern SEED_FAILED = Pattern.compile("(?m)Failed to start [^\\n]*\\bvmbox-seed\\.service\\b");
    /** Only the end of a long log is read: the line comes within the first minutes of a boot. */
    static final int MAX_BYTES = 4 << 20;

    private BootConsole() {
    }

    /**
     * Whether {@code consoleText} shows the guest's sshd started (or listening through its socket); a console showing
     * that a runtime image's seed unit failed ends the wait with that reason (a login would only be refused).
     */
    public static boolean sshdStarted(String consoleText) {
        String text = ANSI.matcher(consoleText).replaceAll("");
        if (SEED_FAILED.matcher(text).find()) {
            throw new dev.vmbox.VmboxException(dev.vmbox.ExitCode.FAILED, "the guest could not place this instance's "
                    + "settings at first boot: its console says vmbox-seed.service failed",
                    "look at the console log (the lines of vmbox-seed before that one); vmbox delete NAME and create again",
                    null);
        }
        return SSHD_UP.matcher(text).find();
    }

    /** What the console log {@code file} says; empty when there is no such log this process can read. */
    public static Optional<Boolean> sshdStarted(Path file) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            return Optional.empty();
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            int n = (int) Math.min(length, MAX_BYTES);
            byte[] buf = new byte[n];
            f.seek(length - n);
            f.readFully(buf);
            return Optional.of(sshdStarted(new String(buf, StandardCharsets.ISO_8859_1)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
