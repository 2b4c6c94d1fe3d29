package dev.vmbox.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Prints the instance's API key: with {@code vmbox env}, the only places vmbox shows it. */
@Command(name = "api-key", mixinStandardHelpOptions = true,
        description = {"Print the instance's API key (made if it has none yet).",
            "Clients send it as 'Authorization: Bearer KEY' (OpenAI SDKs: OPENAI_API_KEY; Open WebUI: the connection's "
                    + "key) or 'X-Api-Key: KEY'. It is kept 0600 in the instance's folder and never logged."})
final class ApiKeyCommand implements Callable<Integer> {
    @Mixin
    InstanceArgument instance;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        root.out().println(root.instanceTunnel().apiKey(instance.name()));
        root.out().flush();
        return 0;
    }
}
