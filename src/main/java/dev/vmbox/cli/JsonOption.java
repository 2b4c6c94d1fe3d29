package dev.vmbox.cli;

import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code --json} switch of every command that can print its result as data (a picocli mixin). */
final class JsonOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--json", description = "Print as JSON: one document on stdout (progress and errors stay on stderr).")
    boolean json;

    /** The root command's services, for the command this option is mixed into. */
    VmboxCommand root() {
        return VmboxCommand.of(command);
    }

    /** With --json: prints {@code value} as JSON and returns true; without it returns false (the caller prints text). */
    boolean printed(Supplier<?> value) {
        if (!json) {
            return false;
        }
        JsonOutput.print(root().out(), value.get());
        return true;
    }
}
