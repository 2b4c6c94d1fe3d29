package dev.vmbox.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Release time only (scripts/release): writes, from the whole command tree, one AsciiDoc man page per command
 * and subcommand ({@code man/vmbox-create.adoc}...) with picocli-codegen's ManPageGenerator, and the bash
 * completion script ({@code completion/vmbox.bash}). picocli-codegen is not in the vmbox jar; the release
 * script puts it on the class path: {@code java -cp vmbox.jar:picocli-codegen.jar dev.vmbox.cli.ReferenceDocs DIR}.
 */
public final class ReferenceDocs {
    private ReferenceDocs() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ReferenceDocs OUTPUT_DIR");
            System.exit(2);
        }
        write(Path.of(args[0]));
    }

    static void write(Path out) throws IOException {
        PrintWriter sink = new PrintWriter(new StringWriter());
        CommandLine cl = Vmbox.commandLine(new VmboxCommand(CliEnvironment.system(), sink, sink), sink, sink);
        Path man = Files.createDirectories(out.resolve("man"));
        int rc = ManPageGenerator.generateManPage(man.toFile(), null, new boolean[0], true, cl.getCommandSpec());
        if (rc != 0) {
            throw new IOException("picocli's ManPageGenerator failed with exit code " + rc);
        }
        Path completion = Files.createDirectories(out.resolve("completion"));
        Files.writeString(completion.resolve("vmbox.bash"), AutoComplete.bash("vmbox", cl), StandardCharsets.UTF_8);
    }
}
