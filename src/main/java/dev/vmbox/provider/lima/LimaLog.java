package dev.vmbox.provider.lima;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What Lima logs, read whole: logrus lines, as JSON ({@code limactl --log-format=json}, and the host agent's
 * {@code ha.stderr.log} always: cmd/limactl/hostagent.go initLogrus) or as logrus text
 * ({@code time="…" level=fatal msg="…"}, a value quoted with Go's {@code strconv.Quote} when it needs quoting).
 * Messages keep every character: Lima 2.2 quotes names with backticks ({@code `running`}), older versions with
 * double quotes, which text lines escape ({@code \"running\"}).
 */
final class LimaLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One log line: its level ({@code info}, {@code fatal}, …; empty when the line is not logrus) and message. */
    record Entry(String level, String msg) {
        boolean atLeastError() {
            return level.equals("error") || level.equals("fatal") || level.equals("panic");
        }
    }

    private LimaLog() {
    }

    /** Every non-blank line of {@code text}, each as logrus JSON, else logrus text, else the raw line (level ""). */
    static List<Entry> parse(String text) {
        List<Entry> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        for (String line : text.split("\\R")) {
            String l = line.strip();
            if (!l.isEmpty()) {
                out.add(entry(l));
            }
        }
        return out;
    }

    /**
     * What a failed limactl run says went wrong: the message of its last fatal line (every error ends in
     * {@code logrus.Fatal}: cmd/limactl/main.go), else of its last error line, else its last line; empty for no output.
     */
    static String failure(List<Entry> entries) {
        for (String level : List.of("fatal", "panic", "error")) {
            for (int i = entries.size() - 1; i >= 0; i--) {
                if (entries.get(i).level().equals(level)) {
                    return oneLine(entries.get(i).msg());
                }
            }
        }
        return entries.isEmpty() ? "" : oneLine(entries.get(entries.size() - 1).msg());
    }

    /** A message decoded from JSON or Go quoting may hold line breaks ({@code \n}); a one-line error joins them. */
    private static String oneLine(String msg) {
        return String.join(" ", msg.strip().split("\\s*\\R\\s*"));
    }

    /**
     * The cause of a failed start as the host agent's {@code ha.stderr.log} tells it: the requirement it was waiting
     * for last (requirements.go: "Waiting for the essential requirement 1 of 2: `ssh`"), and the last thing the guest
     * answered when it tried (the stderr of its last failed ssh, logged at debug level: "stdout=…, stderr=…,
     * err=…"), or the driver's error, or the last error line. Empty when the log says nothing of use.
     */
    static Optional<String> cause(List<Entry> haLog) {
        String waiting = null;
        String answer = null;
        String error = null;
        for (Entry e : haLog) {
            String m = e.msg();
            if (m.startsWith("Waiting for the ") && m.contains("requirement")) {
                waiting = m.substring("Waiting for ".length());
                answer = null;
            } else if (m.startsWith("stdout=") && m.contains(", stderr=")) {
                String stderr = lastLine(quotedValue(m, "stderr="));
                answer = stderr.isEmpty() ? lastLine(afterLast(m, ", err=")) : stderr;
            } else if (m.startsWith("Driver stopped due to error") || e.atLeastError()) {
                error = m;
            }
        }
        List<String> parts = new ArrayList<>();
        if (waiting != null) {
            parts.add("Lima was waiting for " + waiting);
        }
        if (answer != null && !answer.isBlank()) {
            parts.add("the guest's last answer: " + answer);
        }
        if (error != null) {
            parts.add(error);
        }
        return parts.isEmpty() ? Optional.empty() : Optional.of(oneLine(String.join("; ", parts)));
    }

    /** The last {@code max} lines of {@code text}. */
    static String tail(String text, int max) {
        String[] lines = text.strip().split("\\R");
        int from = Math.max(0, lines.length - max);
        return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }

    private static Entry entry(String line) {
        if (line.startsWith("{")) {
            try {
                JsonNode n = JSON.readTree(line);
                if (n != null && n.isObject() && n.path("msg").isTextual()) {
                    return new Entry(n.path("level").asText("").toLowerCase(Locale.ROOT), n.get("msg").asText());
                }
            } catch (IOException e) {
                // not JSON after all: read it as text
            }
        }
        String level = textField(line, "level");
        String msg = textField(line, "msg");
        if (level == null || msg == null) {
            return new Entry("", line);
        }
        return new Entry(level.toLowerCase(Locale.ROOT), msg);
    }

    /** The value of {@code key=} in a logrus text line: a Go-quoted string, or a bare word. */
    private static String textField(String line, String key) {
        int i = 0;
        while (i < line.length()) {
            int eq = line.indexOf('=', i);
            if (eq < 0) {
                return null;
            }
            String k = line.substring(i, eq).strip();
            int[] end = new int[1];
            String value = value(line, eq + 1, end);
            if (k.equals(key)) {
                return value;
            }
            i = end[0];
            while (i < line.length() && line.charAt(i) == ' ') {
                i++;
            }
        }
        return null;
    }

    /** The value starting at {@code from}; {@code end[0]} is set to the index after it. */
    private static String value(String s, int from, int[] end) {
        if (from < s.length() && (s.charAt(from) == '"' || s.charAt(from) == '`')) {
            return unquote(s, from, end);
        }
        int sp = s.indexOf(' ', from);
        end[0] = sp < 0 ? s.length() : sp;
        return s.substring(from, end[0]);
    }

    /** The quoted value of {@code key} inside a message ({@code stderr="…"} or {@code stderr=`…`}); "" if absent. */
    static String quotedValue(String msg, String key) {
        int i = msg.indexOf(key);
        if (i < 0) {
            return "";
        }
        int[] end = new int[1];
        return value(msg, i + key.length(), end);
    }

    /**
     * Go's {@code strconv.Unquote} of the string starting at {@code from} ({@code "…"} with escapes, or {@code `…`}
     * raw); an unterminated string runs to the end.
     */
    private static String unquote(String s, int from, int[] end) {
        char quote = s.charAt(from);
        StringBuilder out = new StringBuilder();
        int i = from + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == quote) {
                end[0] = i + 1;
                return out.toString();
            }
            if (c != '\\' || quote == '`' || i + 1 >= s.length()) {
                out.append(c);
                i++;
                continue;
            }
            char e = s.charAt(i + 1);
            i += 2;
            switch (e) {
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'v' -> out.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + len <= s.length()) {
                        try {
                            out.appendCodePoint(Integer.parseInt(s.substring(i, i + len), 16));
                            i += len;
                            break;
                        } catch (IllegalArgumentException ex) {
                            // not an escape after all
                        }
                    }
                    out.append('\\').append(e);
                }
                default -> {
                    if (e >= '0' && e <= '7' && i + 2 <= s.length()) {
                        try {
                            out.append((char) Integer.parseInt(s.substring(i - 1, i + 2), 8));
                            i += 2;
                            break;
                        } catch (NumberFormatException ex) {
                            // not an escape after all
                        }
                    }
                    out.append(e);
                }
            }
        }
        end[0] = s.length();
        return out.toString();
    }

    private static String afterLast(String s, String marker) {
        int i = s.lastIndexOf(marker);
        return i < 0 ? "" : s.substring(i + marker.length());
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\\R");
        return lines[lines.length - 1].strip();
    }
}
