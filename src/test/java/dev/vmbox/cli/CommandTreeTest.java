package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.cli.VmboxCommand.Subcommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** A run builds only the subcommand it needs, and what a user sees is the same as with the whole tree. */
class CommandTreeTest {
    @TempDir
    Path tmp;

    @Test
    void theTableNamesEachSubcommandAsItsAnnotationDoes() {
        assertEquals(0, VmboxCommand.class.getAnnotation(Command.class).subcommands().length,
                "register subcommands in VmboxCommand.SUBCOMMANDS, not in the annotation (it would build them all)");
        for (Subcommand s : VmboxCommand.SUBCOMMANDS) {
            Command c = s.type().getAnnotation(Command.class);
            List<String> names = new ArrayList<>(List.of(c.name()));
            names.addAll(List.of(c.aliases()));
            assertEquals(names, s.names(), s.type().getName());
        }
        // the whole tree: every subcommand under its names, in the table's order (as --help lists them)
        CommandLine full = Vmbox.commandLine(new VmboxCommand(env(), sink(), sink()), sink(), sink());
        assertEquals(VmboxCommand.SUBCOMMANDS.stream().map(s -> s.names().get(0)).toList(),
                List.copyOf(new java.util.LinkedHashSet<>(full.getSubcommands().values().stream()
                        .map(cl -> cl.getCommandName()).toList())));
    }

    @Test
    void theFirstWordPicksTheOneSubcommandToBuild() {
        assertEquals(List.of("list"), names(Vmbox.needed("list")));
        assertEquals(List.of("list"), names(Vmbox.needed("ls", "--json")));
        assertEquals(List.of("status"), names(Vmbox.needed("--debug", "status", "llm")));
        assertEquals(List.of("tunnel"), names(Vmbox.needed("tunnel", "run", "llm")));
        assertEquals(List.of(), names(Vmbox.needed("--version")));
        assertEquals(List.of(), names(Vmbox.needed("-V", "--debug")));
        List<String> all = names(VmboxCommand.SUBCOMMANDS);
        for (String[] args : new String[][] {{}, {"--help"}, {"-h", "list"}, {"lst"}, {"--version", "list"},
            {"generate-completion"}, {"@args.txt"}, {"--debug"}, {"-Vh"}}) {
            assertEquals(all, names(Vmbox.needed(args)), String.join(" ", args));
        }
    }

    @Test
    void whatTheUserSeesIsTheSameAsWithTheWholeTree() throws Exception {
        Path rec = Files.createDirectories(tmp.resolve("home/llm")).resolve("instance.json");
        Files.writeString(rec, "{\"schema\":1,\"name\":\"llm\",\"provider\":\"nobody-knows\",\"phase\":\"READY\"}");
        for (String[] args : new String[][] {
            {}, {"--debug"}, {"--version"}, {"--help"}, {"lst"}, {"list"}, {"ls", "-q"}, {"list", "--json"}, {"list", "--bad"}, {"list", "--help"},
            {"status"}, {"status", "9bad"}, {"status", "llm"}, {"--debug", "status", "nope"}, {"status", "nope", "--debug"},
            {"config", "get", "provider"}, {"tunnel"}, {"tunnel", "status", "--help"}, {"image", "nope"},
            {"create", "--egress", "SEALED", "--dry-run"}, {"delete"}, {"--version", "--debug"}}) {
            assertEquals(run(VmboxCommand.SUBCOMMANDS, args), run(Vmbox.needed(args), args), String.join(" ", args));
        }
    }

    private String run(List<Subcommand> tree, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Vmbox.run(env(), new PrintWriter(out, true), new PrintWriter(err, true), tree, args);
        return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
    }

    private CliEnvironment env() {
        return new CliEnvironment(Map.of("VMBOX_HOME", tmp.resolve("home").toString(), "PATH", "/nonexistent"),
                tmp.resolve("root"), "Linux", Clock.systemUTC(), false);
    }

    private static PrintWriter sink() {
        return new PrintWriter(new StringWriter());
    }

    private static List<String> names(List<Subcommand> subs) {
        return subs.stream().map(s -> s.names().get(0)).toList();
    }
}
