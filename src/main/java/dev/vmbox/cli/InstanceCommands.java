package dev.vmbox.cli;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.instance.InstanceView;
import dev.vmbox.app.tunnel.TunnelAgent;
import dev.vmbox.app.tunnel.TunnelStatus;
import dev.vmbox.app.verify.Promise;
import dev.vmbox.exec.InteractiveRunner;
import dev.vmbox.ssh.SshCommandLine;
import dev.vmbox.ssh.SshOptions;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.ssh.SshTarget;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The commands that act on one existing instance. Each is thin: parse, call {@code Instances}, render. */
final class InstanceCommands {
    private InstanceCommands() {
    }


    static Duration timeout(String text) {
        return Durations.parse(text, "--timeout");
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show one instance: live state from the provider, the API endpoint, the tunnel.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--json", description = "Print as JSON.")
        boolean json;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            InstanceView v = root.instances().status(name);
            if (json) {
                JsonOutput.print(root.out(), v);
                return 0;
            }
            PrintWriter out = root.out();
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put("Name", v.name());
            rows.put("State", v.state());
            rows.put("Provider", v.provider());
            rows.put("Runtime", v.runtime());
            rows.put("Model", v.model());
            rows.put("API", v.api());
            rows.put("Tunnel", v.tunnel());
            rows.put("Egress", v.egress());
            rows.put("CPUs", v.cpus());
            rows.put("Memory", v.memory());
            rows.put("Disk", v.disk());
            rows.put("Detail", v.detail());
            rows.forEach((k, val) -> {
                if (val != null) {
                    out.printf("%-9s %s%n", k + ":", val);
                }
            });
            out.flush();
            return 0;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start a stopped instance and bring its API tunnel back.")
    static final class Start implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--timeout", defaultValue = "10m", description = "How long to wait for the VM, SSH and the API (default ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            String endpoint = root.instances().start(name, timeout(timeout), root.progress());
            root.out().println(name + " is running; API at " + endpoint);
            root.out().flush();
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop an instance (its tunnel first).")
    static final class Stop implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = {"-f", "--force"}, description = "Power off at once instead of a clean shutdown.")
        boolean force;
        @Option(names = "--timeout", defaultValue = "3m", description = "How long a clean shutdown may take (default ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            root.instances().stop(name, force, timeout(timeout));
            root.out().println(name + " stopped");
            root.out().flush();
            return 0;
        }
    }

    @Command(name = "delete", aliases = "rm", mixinStandardHelpOptions = true,
            description = "Remove an instance and everything of it: tunnel, VM, disks, seed, keys, logs, record.")
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME", arity = "1..*")
        List<String> names;
        @Option(names = {"-f", "--force"}, description = "Also when the record is unreadable or the provider fails: "
                + "every provider is asked to delete a VM of that name, then vmbox's files are removed.")
        boolean force;
        @Option(names = "--timeout", defaultValue = "5m", description = "How long the provider may take (default ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            List<VmboxException> errors = new ArrayList<>();
            for (String n : names) {
                try {
                    List<String> removed = root.instances().delete(n, force, timeout(timeout));
                    root.out().println("deleted " + n + ": " + String.join(", ", removed));
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

    @Command(name = "logs", mixinStandardHelpOptions = true, description = "Show the model server's journal from inside the guest.")
    static final class Logs implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = {"-n", "--lines"}, defaultValue = "200", description = "How many lines (default ${DEFAULT-VALUE}).")
        int lines;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            root.out().print(root.instances().logs(name, lines));
            root.out().flush();
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Prove the instance's promises from inside the guest and on the host: egress blocked, "
                    + "runtime on 127.0.0.1 only and not root, its sandbox in force, no host folder mounted, no password "
                    + "SSH, host key still the pinned one, tunnel on loopback only.",
                "", "Exits 0 when every promise holds, 6 when any fails."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--json", description = "Print as JSON.")
        boolean json;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            List<Promise> promises = root.instances().verify(name);
            boolean failed = promises.stream().anyMatch(p -> p.result() == Promise.Result.FAIL);
            if (json) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("name", name);
                doc.put("passed", !failed);
                doc.put("promises", promises);
                JsonOutput.print(root.out(), doc);
            } else {
                Table t = new Table("RESULT", "PROMISE", "WHERE", "DETAIL");
                promises.forEach(p -> t.row(p.result().name(), p.id(), p.where(), p.detail()));
                t.print(root.out());
                root.out().println(failed ? "FAILED: at least one promise does not hold" : "All promises hold.");
                root.out().flush();
            }
            return failed ? ExitCode.SECURITY.code() : 0;
        }
    }

    @Command(name = "ssh", mixinStandardHelpOptions = true,
            description = "Open a shell in the guest (or run one command) with the instance's key and pinned host key.")
    static final class Ssh implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1..*", paramLabel = "COMMAND", description = "A command to run instead of a shell (after --).")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            SshTarget t = root.instances().sshTarget(name);
            List<String> argv = SshCommandLine.interactive(t, root.instances().knownHosts(name), SshOptions.defaults(), command);
            root.out().flush();
            root.err().flush();
            return new InteractiveRunner(root.executables()).run(argv);
        }
    }

    @Command(name = "exec", mixinStandardHelpOptions = true,
            description = "Run one command in the guest over vmbox's own SSH client; its output streams here and its "
                    + "exit status becomes vmbox's.")
    static final class Exec implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND")
        List<String> command;
        @Option(names = "--timeout", defaultValue = "10m", description = "Longest the command may run (default ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            SshTarget t = root.instances().sshTarget(name);
            String line = String.join(" ", command.stream().map(SshSession::shellQuote).toList());
            try (SshSession s = root.guests().connect(t)) {
                java.io.OutputStream out = new WriterStream(root.out());
                java.io.OutputStream err = new WriterStream(root.err());
                int rc = s.exec(line, java.io.InputStream.nullInputStream(), out, err, timeout(timeout));
                root.out().flush();
                root.err().flush();
                return rc;
            }
        }
    }

    @Command(name = "tunnel", mixinStandardHelpOptions = true,
            description = "Manage the background agent that carries the API to the host's loopback.",
            subcommands = {TunnelStart.class, TunnelStop.class, TunnelStatusCmd.class, TunnelRun.class})
    static final class Tunnel implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start (or restart) the tunnel agent.")
    static final class TunnelStart implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--port", paramLabel = "PORT", description = "Publish the API on this host port from now on.")
        Integer port;
        @Option(names = "--expose", paramLabel = "ADDR", description = "Publish the API on this host address instead of "
                + "127.0.0.1 (anyone who reaches it can use the model).")
        String expose;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            if (port != null || expose != null) {
                root.instances().moveApi(name, port, expose);
            }
            String endpoint = root.instances().startTunnel(name);
            if (expose != null) {
                root.err().println("warning: the model API is published on " + expose + ", beyond this host's loopback: "
                        + "anyone who can reach that address can use the model, without authentication");
            }
            root.out().println("tunnel up: " + endpoint);
            root.out().flush();
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the tunnel agent.")
    static final class TunnelStop implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            boolean was = root.instances().stopTunnel(name);
            root.out().println(was ? "tunnel stopped" : "no tunnel was running");
            root.out().flush();
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show the tunnel agent's state.")
    static final class TunnelStatusCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--json", description = "Print as JSON.")
        boolean json;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            TunnelStatus st = root.instances().tunnelStatus(name);
            if (json) {
                JsonOutput.print(root.out(), st);
            } else {
                root.out().println(st.describe());
                root.out().flush();
            }
            return st.up() ? 0 : ExitCode.NOT_FOUND.code();
        }
    }

    /** What the detached agent process runs: reads its settings from the state folder and holds the tunnel. */
    @Command(name = "run", hidden = true, description = "Run the tunnel agent in the foreground (used by tunnel start).")
    static final class TunnelRun implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "STATE_DIR")
        Path stateDir;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            TunnelAgent.runFromStateDir(stateDir, root.executables());
            return 0;
        }
    }

    /** Bytes from the guest to one of the CLI's writers, decoded as UTF-8. */
    static final class WriterStream extends java.io.OutputStream {
        private final PrintWriter w;
        private final java.nio.charset.CharsetDecoder dec = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPLACE);
        private final java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(8192);
        private final java.nio.CharBuffer out = java.nio.CharBuffer.allocate(8192);

        WriterStream(PrintWriter w) {
            this.w = w;
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            while (len > 0) {
                int n = Math.min(len, in.remaining());
                in.put(b, off, n);
                off += n;
                len -= n;
                in.flip();
                dec.decode(in, out, false);
                in.compact();
                out.flip();
                w.append(out);
                out.clear();
            }
            w.flush();
        }

        @Override
        public synchronized void flush() {
            w.flush();
        }
    }
}
