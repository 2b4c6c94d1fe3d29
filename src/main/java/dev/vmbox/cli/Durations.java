package dev.vmbox.cli;

import dev.vmbox.VmboxException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type them: 90s, 10m, 1h, 1h30m. */
final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d{1,6})(h|m|s|ms)");

    private Durations() {
    }

    static Duration parse(String text, String option) {
        String t = dev.vmbox.spec.TypedText.of(text, option);
        Matcher m = PART.matcher(t);
        Duration d = Duration.ZERO;
        int end = 0;
        if (t.matches("\\d{1,6}")) {
            d = Duration.ofSeconds(Long.parseLong(t));
            end = t.length();
        }
        while (end < t.length() && m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            end = m.end();
        }
        if (end != t.length() || d.isZero() || d.compareTo(Duration.ofDays(2)) > 0) {
            throw VmboxException.badInput("invalid duration for " + option + ": " + dev.vmbox.spec.Names.forMessage(text),
                    "write e.g. 90s, 10m, 1h30m (at most 48h)");
        }
        return d;
    }
}
