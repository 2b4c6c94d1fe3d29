package dev.vmbox.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "logs", mixinStandardHelpOptions = true, description = "Show the model server's journal from inside the guest.")
final class LogsCommand implements Callable<Integer> {
    @Mixin
    InstanceArgument instance;
    @Option(names = {"-n", "--lines"}, defaultValue = "200", description = "How many lines (default ${DEFAULT-VALUE}).")
    int lines;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        root.out().print(root.instanceShell().logs(instance.name(), lines));
        root.out().flush();
        return 0;
    }
}
