package dev.vmbox.app.tunnel;

import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One tunnel's log ({@link TunnelFiles#log()}, 0600): the agent's messages and ssh's stderr in one file, kept
 * bounded by rotation to {@link TunnelFiles#oldLog()}, and read back for why ssh exited.
 */
final class TunnelLog {
    static final long ROTATE_BYTES = 1024 * 1024;

    private final TunnelFiles files;

    TunnelLog(TunnelFiles files) {
        this.files = files;
    }

    void log(String message) {
        try {
            SecureFiles.appendPrivate(files.log(), Instant.now() + " " + message + "\n");
        } catch (IOException ignored) {
            // the state still tells the story
        }
    }

    /** Moves a large log aside before the tunnel starts (nothing writes to it yet). */
    void rotate() {
        Path log = files.log();
        try {
            if (Files.isRegularFile(log) && Files.size(log) > ROTATE_BYTES) {
                Files.move(log, files.oldLog(), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException ignored) {
            // a large log is better than no tunnel
        }
    }

    /**
     * Keeps a long-running tunnel's log bounded: ssh appends to it (one line per refused forward, e.g. while
     * the runtime is down), so it is copied to the old log and truncated in place; ssh's O_APPEND writes
     * continue at the new end.
     */
    void truncateIfLarge() {
        Path log = files.log();
        try {
            if (Files.isRegularFile(log) && Files.size(log) > ROTATE_BYTES) {
                Files.copy(log, files.oldLog(), StandardCopyOption.REPLACE_EXISTING);
                SecureFiles.restrict(files.oldLog());
                try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
                    ch.truncate(0);
                }
                log("log rotated to " + files.oldLog().getFileName());
            }
        } catch (IOException e) {
            // a large log is better than a dead tunnel
        }
    }

    long size() {
        try {
            Path log = files.log();
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last lines ssh wrote since {@code offset}, joined in one line. */
    String sshReason(long offset) {
        Path log = files.log();
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(offset > len ? 0 : offset, len - 4096); // offset > len: the log was truncated meanwhile
            byte[] buf = new byte[(int) Math.max(0, len - from)];
            f.seek(from);
            f.readFully(buf);
            List<String> lines = new ArrayList<>();
            for (String line : new String(buf, StandardCharsets.UTF_8).split("\\R")) {
                if (!line.isBlank() && !line.startsWith("20")) {
                    lines.add(line.strip());
                }
            }
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
