package dev.vmbox.cli;

import dev.vmbox.exec.InteractiveRunner;
import dev.vmbox.ssh.SshCommandLine;
import dev.vmbox.ssh.SshOptions;
import dev.vmbox.ssh.SshTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "ssh", mixinStandardHelpOptions = true,
        description = "Open a shell in the guest (or run one command) with the instance's key and pinned host key.")
final class SshCommand implements Callable<Integer> {
    @Mixin
    InstanceArgument instance;
    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "A command to run instead of a shell (after --).")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        SshTarget t = root.instanceShell().sshTarget(instance.name());
        List<String> argv = SshCommandLine.interactive(t, root.instanceShell().knownHosts(instance.name()),
                SshOptions.defaults(), command);
        root.out().flush();
        root.err().flush();
        return new InteractiveRunner(root.executables()).run(argv);
    }
}
