package dev.vmbox.cli;

import dev.vmbox.spec.InstanceName;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The NAME of the commands that act on one instance (a picocli mixin), checked by {@link InstanceName}'s rule. */
final class InstanceArgument {
    /** The help text of every NAME. */
    static final String HELP = "The instance's name: " + InstanceName.RULE + ".";

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Parameters(index = "0", paramLabel = "NAME", description = HELP)
    InstanceName name;

    String name() {
        return name.value();
    }

    VmboxCommand root() {
        return VmboxCommand.of(command);
    }
}
