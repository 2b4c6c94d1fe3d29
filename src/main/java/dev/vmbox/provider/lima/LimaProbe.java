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

/**
 * Is Lima installed and working? {@code limactl --version} (2.0 or newer), then {@code limactl list --format json},
 * whose output must be readable: the same query every vmbox command makes of Lima.
 */
public final class LimaProbe implements ProviderProbe {
    private static final Pattern VERSION = Pattern.compile("limactl version (\\S+)");
    private static final Pattern MAJOR = Pattern.compile("^v?(\\d+)\\.");
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
        if (!recentEnough(version)) {
            return new Availability(id(), true, false, bin.get().toString(), version,
                    "Lima " + version + " is too old: vmbox needs " + LimaTemplate.MINIMUM_LIMA_VERSION
                            + " or newer (plain mode that keeps no port forward but SSH)",
                    "upgrade Lima: brew upgrade lima (macOS), or see https://lima-vm.io/docs/installation/");
        }
        // the query create and every command rely on: it must answer, and in a form vmbox reads
        try {
            LimaOutput.parseList(runner.run(Command.of(TIMEOUT, "limactl", "list", "--tty=false", "--log-format=json",
                    "--format", "json")).stdout());
        } catch (VmboxException e) {
            return new Availability(id(), true, false, bin.get().toString(), version,
                    "limactl list does not work for vmbox: " + e.getMessage(),
                    "run `limactl list --format json` by hand; check LIMA_HOME and its permissions");
        }
        return new Availability(id(), true, true, bin.get().toString(), version, "limactl " + version + " works", null);
    }

    /** True for 2.0.0 and later, and for versions that are not numbers (development builds). */
    static boolean recentEnough(String version) {
        Matcher m = MAJOR.matcher(version == null ? "" : version);
        if (!m.find()) {
            return true;
        }
        try {
            return Integer.parseInt(m.group(1)) >= 2;
        } catch (NumberFormatException e) {
            return true;
        }
    }
}
