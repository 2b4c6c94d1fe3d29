package dev.vmbox.provider.lima;

import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The {@code limactl} command lines {@link LimaProvider} runs, each with its timeout, and the instance listing read
 * through them.
 */
final class Limactl {
    static final Duration LIST_TIMEOUT = Duration.ofSeconds(30);
    static final Duration CREATE_STEP = Duration.ofMinutes(2);
    static final Duration DELETE_TIMEOUT = Duration.ofMinutes(2);
    /** Lima's own wait inside {@code limactl start} ends this much before ours, so its message wins. */
    static final Duration START_MARGIN = Duration.ofSeconds(15);

    private Limactl() {
    }

    static Command list() {
        return command(LIST_TIMEOUT, "list", "--format", "json");
    }

    /** {@code limactl VERB --tty=false --log-format=json ARGS...}: never interactive, its log lines as JSON. */
    static Command command(Duration timeout, String verb, String... args) {
        List<String> argv = new ArrayList<>(List.of("limactl", verb, "--tty=false", "--log-format=json"));
        argv.addAll(List.of(args));
        return Command.of(timeout, argv);
    }

    /** {@code limactl start} waiting at most {@code timeout} itself, less a margin so that Lima's own message wins. */
    static Command start(String limaName, Duration timeout) {
        Duration limaWait = timeout.compareTo(START_MARGIN.multipliedBy(2)) > 0 ? timeout.minus(START_MARGIN) : timeout;
        return command(timeout, "start", "--timeout=" + Math.max(1, limaWait.toSeconds()) + "s", limaName);
    }

    static Command delete(String limaName) {
        return command(DELETE_TIMEOUT, "delete", "--force", limaName);
    }

    /** The instance of that Lima name, from one {@code limactl list}. */
    static Optional<LimaInstance> find(Function<Command, CommandResult> exec, String limaName) {
        return listAll(exec).stream().filter(i -> i.name().equals(limaName)).findFirst();
    }

    static List<LimaInstance> listAll(Function<Command, CommandResult> exec) {
        String out;
        try {
            out = exec.apply(list()).stdout();
        } catch (VmboxException e) {
            throw LimaErrors.classify(e, "list", null, null);
        }
        return LimaOutput.parseList(out);
    }
}
