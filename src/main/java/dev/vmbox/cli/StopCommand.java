package dev.vmbox.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop an instance (its tunnel first).")
final class StopCommand implements Callable<Integer> {
    @Mixin
    InstanceArgument instance;
    @Option(names = {"-f", "--force"}, description = "Power off at once instead of a clean shutdown.")
    boolean force;
    @Option(names = "--timeout", defaultValue = "3m", description = "How long a clean shutdown may take (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        root.instanceLifecycle().stop(instance.name(), force, Durations.parse(timeout, "--timeout"));
        root.out().println(instance.name() + " stopped");
        root.out().flush();
        return 0;
    }
}
