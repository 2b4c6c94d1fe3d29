package dev.vmbox.cli;

import dev.vmbox.VmboxException;
import dev.vmbox.spec.TypedText;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Every option's value, of every command, passes {@link TypedText} before the command runs: names, sizes, ports,
 * addresses, URIs, paths, model references and durations are taken exactly as typed, so a trailing space or newline is
 * refused once, here, instead of being trimmed by some parsers and kept by others. Positional values have their own
 * rules: NAME is an {@link dev.vmbox.spec.InstanceName}, {@code config set} checks KEY and VALUE, and the command words
 * after {@code --} of {@code exec} and {@code ssh} are the user's to shape.
 */
final class TypedOptions implements CommandLine.IExecutionStrategy {
    private final CommandLine.IExecutionStrategy next;

    TypedOptions(CommandLine.IExecutionStrategy next) {
        this.next = next;
    }

    @Override
    public int execute(ParseResult parseResult) {
        for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
            for (OptionSpec o : pr.matchedOptions()) {
                if (o.arity().max() == 0) {
                    continue;
                }
                for (String value : o.originalStringValues()) {
                    try {
                        TypedText.of(value, o.longestName());
                    } catch (VmboxException e) {
                        throw new CommandLine.ParameterException(pr.commandSpec().commandLine(), e.getMessage(), e, o, value);
                    }
                }
            }
        }
        return next.execute(parseResult);
    }
}
