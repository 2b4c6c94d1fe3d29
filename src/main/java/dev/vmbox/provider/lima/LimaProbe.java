package dev.vmbox.provider.lima;

import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.provider.Availability;
import dev.vmbox.provider.ProviderProbe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Is Lima installed and working? {@code limactl --version}, then {@code limactl list --format json}. */
public final class LimaProbe implements ProviderProbe {
    private static final Pattern VERSION = Pattern.compile("limactl version (\\S+)");
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final CommandRunner runner;
    private final Executables executables;

    public LimaProbe(CommandRunner runner, Executables executables) {
        this.runner = runner;
        this.executables = executables;
    }

    @Override
    public String id() {
        return "lima";
    }

    @Override
    public Availability probe() {
        Optional<Path> bin = executables.find("limactl");
        if (bin.isEmpty()) {
            return Availability.missing(id(), "limactl not found on PATH", Executables.installHint("limactl"));
        }
        String version;
        try {
            String out = runner.run(Command.of(TIMEOUT, "limactl", "--version")).stdout().trim();
            Matcher m = VERSION.matcher(out);
            version = m.find() ? m.group(1) : out;
        } catch (VmboxException e) {
            return new Availability(id(), true, false, bin.get().toString(), null,
                    "limactl does not run: " + e.getMessage(), "reinstall Lima (brew reinstall lima)");
        }
        try {
            runner.run(Command.of(TIMEOUT, "limactl", "list", "--format", "json"));
        } catch (VmboxException e) {
            return new Availability(id(), true, false, bin.get().toString(), version,
                    "limactl list fails: " + e.getMessage(), "check LIMA_HOME and run `limactl list` by hand");
        }
        return new Availability(id(), true, true, bin.get().toString(), version, "limactl " + version + " works", null);
    }
}
