package dev.vmbox.exec;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a program that must outlive vmbox and the terminal it was started from (the tunnel agent).
 * On hosts with {@code setsid} the child gets its own session, so it has no controlling terminal and no
 * hang-up reaches it; elsewhere it starts under {@code nohup} (the JVM then keeps SIGHUP ignored).
 * Standard input is /dev/null, output and errors are appended to {@code logFile}. The launcher does not
 * wait: the caller checks that the program came up (pid file, port) with its own deadline.
 */
public final class DetachedLauncher {
    private final Executables executables;

    public DetachedLauncher(Executables executables) {
        this.executables = executables;
    }

    /** Launches {@code argv} detached and returns the pid of the started process. */
    public long launch(List<String> argv, Map<String, String> env, Path workDir, Path logFile) {
        List<String> full = new ArrayList<>();
        if (executables.find("setsid").isPresent()) {
            full.add(executables.find("setsid").get().toString());
        } else if (executables.find("nohup").isPresent()) {
            full.add(executables.find("nohup").get().toString());
        }
        Command display = Command.of(Duration.ofDays(1), argv);
        Path program = executables.find(argv.get(0))
                .orElseThrow(() -> new ExecutableNotFoundException(display, null));
        full.add(program.toString());
        full.addAll(argv.subList(1, argv.size()));
        ProcessBuilder pb = new ProcessBuilder(full)
                .redirectInput(ProcessBuilder.Redirect.from(BackgroundProcess.nullDevice()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.environment().putAll(env == null ? Map.of() : env);
        try {
            return pb.start().pid();
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "could not start '" + argv.get(0) + "' in the background: "
                    + e.getMessage(), "check that the program is installed and executable", e);
        }
    }
}
