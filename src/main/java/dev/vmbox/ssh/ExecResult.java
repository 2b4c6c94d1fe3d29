package dev.vmbox.ssh;

import java.time.Duration;

/** The outcome of a remote command: exit status (-1 when the command died from a signal), captured output. */
public record ExecResult(String command, int exitStatus, String stdout, String stderr, Duration elapsed) {
    public boolean ok() {
        return exitStatus == 0;
    }

    /** The last {@code maxLines} non-blank lines of stderr joined with " | ", for error messages. */
    public String stderrTail(int maxLines) {
        if (stderr == null || stderr.isBlank()) {
            return "";
        }
        String[] lines = stderr.strip().split("\\R");
        StringBuilder sb = new StringBuilder();
        for (int i = Math.max(0, lines.length - maxLines); i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                sb.append(sb.length() > 0 ? " | " : "").append(lines[i].strip());
            }
        }
        return sb.toString();
    }
}
