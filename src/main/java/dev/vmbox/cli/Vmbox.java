package dev.vmbox.cli;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.spec.InstanceName;
import java.io.PrintWriter;
import dev.vmbox.cli.VmboxCommand.Subcommand;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;

/** Builds the picocli command line and runs one invocation; returns the exit code, never exits. */
public final class Vmbox {
    private Vmbox() {
    }

    public static int run(CliEnvironment environment, PrintWriter out, PrintWriter err, String... args) {
        return run(environment, out, err, needed(args), args);
    }

    /** Runs {@code args} with the command tree limited to {@code subcommands}. */
    static int run(CliEnvironment environment, PrintWriter out, PrintWriter err, List<Subcommand> subcommands,
                   String... args) {
        VmboxCommand root = new VmboxCommand(environment, out, err);
        CommandLine cl = commandLine(root, out, err, subcommands);
        try {
            return cl.execute(args);
        } finally {
            root.close();
        }
    }

    /**
     * The subcommands a run of {@code args} needs. picocli builds the model of every registered command up front
     * (most of a short command's start-up), so when the first word after the root's own options names a
     * subcommand, only that one is built; {@code --version} alone needs none. Anything else (no subcommand,
     * --help, an unknown word that wants "did you mean", an @argument file, completion) gets the whole tree,
     * so what a user sees never depends on this shortcut.
     */
    static List<Subcommand> needed(String... args) {
        boolean version = false;
        boolean versionOnly = true;
        for (String a : args) {
            version |= a.equals("-V") || a.equals("--version");
            versionOnly &= a.equals("-V") || a.equals("--version") || a.equals("--debug");
        }
        if (version && versionOnly) {
            return List.of();
        }
        for (String a : args) {
            if (a.equals("--debug")) {
                continue;
            }
            if (a.startsWith("-") || a.startsWith("@")) {
                return VmboxCommand.SUBCOMMANDS;
            }
            for (Subcommand s : VmboxCommand.SUBCOMMANDS) {
                if (s.names().contains(a)) {
                    return s.type() == AutoComplete.GenerateCompletion.class ? VmboxCommand.SUBCOMMANDS : List.of(s);
                }
            }
            return VmboxCommand.SUBCOMMANDS;
        }
        return VmboxCommand.SUBCOMMANDS;
    }

    /** The whole command tree: for help, shell completion and man pages. */
    static CommandLine commandLine(VmboxCommand root, PrintWriter out, PrintWriter err) {
        return commandLine(root, out, err, VmboxCommand.SUBCOMMANDS);
    }

    static CommandLine commandLine(VmboxCommand root, PrintWriter out, PrintWriter err, List<Subcommand> subcommands) {
        CommandLine cl = new CommandLine(root);
        // subcommands first: the settings below reach only the subcommands present when they are made
        for (Subcommand s : subcommands) {
            cl.addSubcommand(s.type());
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.registerConverter(InstanceName.class, InstanceName::of);
        cl.setExecutionExceptionHandler(new ErrorHandler(root));
        cl.setParameterExceptionHandler(Vmbox::badUsage);
        cl.setExecutionStrategy(new TypedOptions(new CommandLine.RunLast()));
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
        err.println("vmbox: " + oneLine(ex.getMessage()));
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("hint: see '" + cmd.getCommandSpec().qualifiedName() + " --help'");
        return ExitCode.BAD_INPUT.code();
    }

    /** picocli's message about a value, which quotes the value as typed, on one line: control characters escaped. */
    static String oneLine(String message) {
        StringBuilder sb = new StringBuilder();
        for (char c : String.valueOf(message).toCharArray()) {
            sb.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? String.format("\\u%04x", (int) c) : c);
        }
        return sb.toString();
    }

    /**
     * The hint line of a failure: its own hint, and (but for bad input, and unless --debug is on or the hint
     * already says so) that --debug shows more, so an error stays two lines.
     */
    static String hint(VmboxException v, boolean debug) {
        String own = v.hint() == null ? "" : v.hint().strip();
        if (debug || v.exitCode() == ExitCode.BAD_INPUT || own.contains("--debug")) {
            return own;
        }
        return own.isEmpty() ? "run with --debug for details" : own + " (--debug shows details)";
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
                String hint = hint(v, root.debug());
                if (!hint.isEmpty()) {
                    err.println("hint: " + hint);
                }
                if (root.debug() && v.getCause() != null) {
                    v.getCause().printStackTrace(err);
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
