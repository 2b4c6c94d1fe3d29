package dev.vmbox.cli;

import dev.vmbox.app.progress.Progress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Renders {@link Progress} on stderr. On a terminal the running step's line is redrawn in place
 * (elapsed time, details, transfer rate); elsewhere (CI logs, pipes) each step prints a start line
 * and an end line, and transfers print at most every 10 %.
 */
final class TerminalProgress implements Progress {
    private final PrintWriter err;
    private final boolean interactive;
    private List<String> steps = List.of();
    private int width;

    TerminalProgress(PrintWriter err, boolean interactive) {
        this.err = err;
        this.interactive = interactive;
    }

    @Override
    public synchronized void plan(List<String> planned) {
        this.steps = List.copyOf(planned);
        this.width = planned.stream().mapToInt(String::length).max().orElse(8);
    }

    @Override
    public synchronized void note(String text) {
        clearLine();
        err.println(text);
        err.flush();
    }

    private String prefix(String name) {
        int i = steps.indexOf(name);
        String counter = i < 0 ? "" : "[" + (i + 1) + "/" + steps.size() + "] ";
        return counter + String.format(Locale.ROOT, "%-" + Math.max(width, name.length()) + "s", name);
    }

    private boolean lineOpen;

    private void clearLine() {
        if (interactive && lineOpen) {
            err.print("\r\033[K");
            lineOpen = false;
        }
    }

    @Override
    public synchronized Step begin(String name) {
        long start = System.nanoTime();
        String prefix = prefix(name);
        if (!interactive) {
            err.println(prefix + "  ...");
            err.flush();
        } else {
            clearLine();
            err.print(prefix + "  ...");
            err.flush();
            lineOpen = true;
        }
        return new Step() {
            private int lastDecile = -1;

            @Override
            public String name() {
                return name;
            }

            private String elapsed() {
                return seconds(Duration.ofNanos(System.nanoTime() - start));
            }

            @Override
            public void detail(String text) {
                synchronized (TerminalProgress.this) {
                    if (interactive) {
                        clearLine();
                        err.print(prefix + "  " + text + "  " + elapsed());
                        lineOpen = true;
                    } else {
                        err.println(prefix + "  " + text);
                    }
                    err.flush();
                }
            }

            @Override
            public void transfer(String what, long bytes, long total, double rate) {
                String amount = total > 0
                        ? String.format(Locale.ROOT, "%s / %s (%d%%)", mib(bytes), mib(total), bytes * 100 / total)
                        : mib(bytes);
                String line = what + "  " + amount + "  " + mib((long) rate) + "/s";
                if (interactive) {
                    detail(line);
                    return;
                }
                int decile = total > 0 ? (int) (bytes * 10 / total) : -1;
                if (decile != lastDecile) {
                    lastDecile = decile;
                    detail(line);
                }
            }

            @Override
            public Duration done(String summary) {
                return finish(d -> "  done " + seconds(d) + (summary == null ? "" : "  " + summary));
            }

            @Override
            public Duration fail(String reason) {
                return finish(d -> "  FAILED after " + seconds(d) + (reason == null ? "" : ": " + reason));
            }

            /** The step's last line, with the time it took. */
            private Duration finish(java.util.function.Function<Duration, String> line) {
                Duration d = Duration.ofNanos(System.nanoTime() - start);
                synchronized (TerminalProgress.this) {
                    clearLine();
                    err.println(prefix + line.apply(d));
                    err.flush();
                }
                return d;
            }
        };
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }

    static String mib(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
