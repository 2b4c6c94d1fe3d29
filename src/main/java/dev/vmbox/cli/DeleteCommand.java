package dev.vmbox.cli;

import dev.vmbox.VmboxException;
import dev.vmbox.spec.InstanceName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "delete", aliases = "rm", mixinStandardHelpOptions = true,
        description = "Remove an instance and everything of it: tunnel, VM, disks, seed, keys, logs, record.")
final class DeleteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(paramLabel = "NAME", arity = "1..*", description = InstanceArgument.HELP)
    List<InstanceName> names;
    @Option(names = {"-f", "--force"}, description = "Also when the record is unreadable or the provider fails: "
            + "every provider is asked to delete a VM of that name, then vmbox's files are removed.")
    boolean force;
    @Option(names = "--timeout", defaultValue = "5m", description = "How long the provider may take (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        VmboxCommand root = VmboxCommand.of(spec);
        Duration limit = Durations.parse(timeout, "--timeout");
        List<VmboxException> errors = new ArrayList<>();
        for (InstanceName n : names) {
            try {
                boolean autostart = root.instanceTunnel().autostart(n.value());
                List<String> removed = root.instanceLifecycle().delete(n.value(), force, limit);
                root.out().println("deleted " + n + ": " + String.join(", ", removed));
                if (autostart && !root.instanceTunnel().anyAutostart()) {
                    // the last instance set to autostart: its agent's service would start at every login for nothing
                    AutostartCommand.serviceFollows(root, false);
                }
            } catch (VmboxException e) {
                errors.add(e);
                if (names.size() > 1) {
                    root.err().println("vmbox: " + n + ": " + e.getMessage());
                }
            }
            root.out().flush();
        }
        if (errors.size() == 1) {
            throw errors.get(0);
        }
        if (!errors.isEmpty()) {
            throw new VmboxException(errors.get(0).exitCode(), errors.size() + " of " + names.size()
                    + " instances could not be deleted (see above)", errors.get(0).hint());
        }
        return 0;
    }
}
