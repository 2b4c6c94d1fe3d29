package dev.vmbox.cli;

import dev.vmbox.ssh.SshSession;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "exec", mixinStandardHelpOptions = true,
        description = "Run one command in the guest over vmbox's own SSH client; its output streams here and its "
                + "exit status becomes vmbox's.")
final class ExecCommand implements Callable<Integer> {
    @Mixin
    InstanceArgument instance;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND")
    List<String> command;
    @Option(names = "--timeout", defaultValue = "10m", description = "Longest the command may run (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        Duration limit = Durations.parse(timeout, "--timeout");
        String line = String.join(" ", command.stream().map(SshSession::shellQuote).toList());
        try (SshSession s = root.instanceShell().connect(instance.name())) {
            int rc = s.exec(line, InputStream.nullInputStream(), new WriterStream(root.out()), new WriterStream(root.err()),
                    limit);
            root.out().flush();
            root.err().flush();
            return rc;
        }
    }
}
