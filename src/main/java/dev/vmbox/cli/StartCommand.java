package dev.vmbox.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Start a stopped instance and bring its API tunnel back.")
final class StartCommand implements Callable<Integer> {
    @Mixin
    InstanceArgument instance;
    @Option(names = "--timeout", defaultValue = "10m", description = "How long to wait for the VM, SSH and the API (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        String endpoint = root.instanceLifecycle().start(instance.name(), Durations.parse(timeout, "--timeout"),
                root.progress());
        root.out().println(instance.name() + " is running; API at " + endpoint);
        root.out().flush();
        return 0;
    }
}
