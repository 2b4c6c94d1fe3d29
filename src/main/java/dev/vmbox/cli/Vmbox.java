package dev.vmbox.cli;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.spec.InstanceName;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/** Builds the picocli command line and runs one invocation; returns the exit code, never exits. */
public final class Vmbox {
    private Vmbox() {
    }

    public static int run(CliEnvironment environment, PrintWriter out, PrintWriter err, String... args) {
        VmboxCommand root = new VmboxCommand(environment, out, err);
        CommandLine cl = commandLine(root, out, err);
        try {
            return cl.execute(args);
        } finally {
            root.close();
        }
    }

    static CommandLine commandLine(VmboxCommand root, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.registerConverter(InstanceName.class, InstanceName::of);
        cl.setExecutionExceptionHandler(new ErrorHandler(root));
        cl.setParameterExceptionHandler(Vmbox::badUsage);
        cl.setExitCodeExceptionMapper(t -> t instanceof VmboxException v ? v.exitCode().code() : ExitCode.INTERNAL.code());
        Map<String, String> codes = new LinkedHashMap<>();
        for (ExitCode c : ExitCode.values()) {
            codes.put(Integer.toString(c.code()), c.meaning());
        }
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
        return cl;
    }

    private static int badUsage(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        if (ex.getCause() instanceof VmboxException v) { // a value type refused the argument: its own words and hint
            err.println("vmbox: " + v.getMessage());
            err.println("hint: " + (v.hint() != null ? v.hint() : "see '" + cmd.getCommandSpec().qualifiedName() + " --help'"));
            return v.exitCode().code();
        }
        err.println("vmbox: " + ex.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("hint: see '" + cmd.getCommandSpec().qualifiedName() + " --help'");
        return ExitCode.BAD_INPUT.code();
    }

    /** Prints a VmboxException as one line plus a hint; anything else is a bug (exit 70). */
    static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        private final VmboxCommand root;

        ErrorHandler(VmboxCommand root) {
            this.root = root;
        }

        @Override
        public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
            PrintWriter err = cmd.getErr();
            root.flushProgress();
            if (ex instanceof VmboxException v) {
                err.println("vmbox: " + v.getMessage());
                if (v.hint() != null && !v.hint().isBlank()) {
                    err.println("hint: " + v.hint());
                }
                if (root.debug() && v.getCause() != null) {
                    v.getCause().printStackTrace(err);
                } else if (!root.debug() && v.exitCode() != ExitCode.BAD_INPUT) {
                    err.println("(run with --debug for details)");
                }
                err.flush();
                return v.exitCode().code();
            }
            err.println("vmbox: internal error: " + ex);
            if (root.debug()) {
                ex.printStackTrace(err);
            } else {
                err.println("hint: this is a bug in vmbox; run again with --debug and report the output");
            }
            err.flush();
            return ExitCode.INTERNAL.code();
        }
    }
}
