package dev.vmbox.cli;

import dev.vmbox.app.instance.ClientEnvironment;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vmbox env NAME}: the variables clients read, as shell code to evaluate. Values are single-quoted for the
 * shell that reads them; the comments carry no value (a path with a newline must not end a comment and become a
 * command).
 */
@Command(name = "env", mixinStandardHelpOptions = true,
        description = {"Print the environment variables that point clients at the instance's API, as shell code:",
            "  eval \"$(vmbox env NAME)\"               (sh, bash, zsh)",
            "  vmbox env NAME --shell fish | source   (fish)",
            "OLLAMA_HOST (ollama CLI and libraries; Ollama instances), OPENAI_BASE_URL and OPENAI_API_KEY (OpenAI SDKs), "
                    + "OLLAMA_BASE_URL and OPENAI_API_BASE_URL (Open WebUI, which reads OPENAI_API_KEY too).",
            "The API key is included (clients need it; it is only ever set beside a base URL of this instance): the "
                    + "output is a secret, like that of `vmbox api-key`. --no-key leaves it out.",
            "For a --socket endpoint only VMBOX_API_SOCKET is set (for curl --unix-socket): the other clients need TCP."})
final class EnvCommand implements Callable<Integer> {
    enum Shell { sh, fish }

    @Mixin
    InstanceArgument instance;
    @Mixin
    JsonOption json;
    @Option(names = "--shell", paramLabel = "SHELL", defaultValue = "sh",
            description = "sh (export K='v'; also bash, zsh) or fish (set -gx K 'v'). Default: ${DEFAULT-VALUE}.")
    Shell shell;
    @Option(names = "--no-key", description = "Leave the API key (OPENAI_API_KEY) out, e.g. to show the output to "
            + "someone.")
    boolean noKey;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        ClientEnvironment.Env env = new ClientEnvironment(root.instanceLookup(), root.apiTunnel()).env(instance.name(), !noKey);
        if (json.printed(() -> env)) {
            return 0;
        }
        PrintWriter out = root.out();
        out.println("# vmbox env " + env.instance() + ": the " + env.runtime() + " API of instance " + env.instance()
                + (shell == Shell.fish ? " (vmbox env " + env.instance() + " --shell fish | source)"
                : " (eval \"$(vmbox env " + env.instance() + ")\")"));
        for (String note : env.notes()) {
            out.println("# " + oneLine(note));
        }
        for (Map.Entry<String, String> v : env.variables().entrySet()) {
            out.println(shell == Shell.fish ? "set -gx " + v.getKey() + " " + fishQuoted(v.getValue())
                    : "export " + v.getKey() + "=" + shQuoted(v.getValue()));
        }
        out.flush();
        return 0;
    }

    /** A POSIX shell word for {@code value}: single quotes, each {@code '} written as {@code '\''}. */
    static String shQuoted(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    /** A fish word for {@code value}: single quotes, in which fish reads only {@code \\} and {@code \'} as escapes. */
    static String fishQuoted(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** A comment stays a comment: no line break can end it early. */
    private static String oneLine(String text) {
        return text.replaceAll("[\\r\\n\\u0085\\u2028\\u2029]", " ");
    }
}
