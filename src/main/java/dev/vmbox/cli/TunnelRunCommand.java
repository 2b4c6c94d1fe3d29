package dev.vmbox.cli;

import dev.vmbox.app.tunnel.TunnelAgent;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** What the detached agent process runs: reads its settings from the state folder and holds the tunnel. */
@Command(name = "run", hidden = true, description = "Run the tunnel agent in the foreground (used by tunnel start).")
final class TunnelRunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(paramLabel = "STATE_DIR")
    Path stateDir;

    @Override
    public Integer call() {
        TunnelAgent.runFromStateDir(stateDir, VmboxCommand.of(spec).executables());
        return 0;
    }
}
