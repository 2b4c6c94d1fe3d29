package dev.vmbox.exec;

import java.time.Duration;

/** What a finished command produced. Output beyond the capture limit is cut (see {@link #truncated()}). */
public record CommandResult(Command command, int exitCode, String stdout, String stderr, Duration elapsed,
                            boolean truncated) {

    public boolean ok() {
        return command.okExitCodes().contains(exitCode);
    }

    /** The last {@code maxLines} non-blank lines of stderr, for error messages. */
    public String stderrTail(int maxLines) {
        return tail(stderr, maxLines);
    }

    /** The last {@code maxLines} non-blank lines of {@code text}, joined with " | ", for one-line messages. */
    public static String tail(String text, int maxLines) {
        if (text == null || text.isBlank()) {
            return "";
        }
        String[] lines = text.strip().split("\\R");
        int from = Math.max(0, lines.length - maxLines);
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                if (sb.length() > 0) {
                    sb.append(" | ");
                }
                sb.append(lines[i].strip());
            }
        }
        return sb.toString();
    }
}
