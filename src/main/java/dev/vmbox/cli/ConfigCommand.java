package dev.vmbox.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.config.Setting;
import dev.vmbox.config.VmboxConfig;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "config", mixinStandardHelpOptions = true,
        description = {"Show or change settings. Layers, lowest first: built-in defaults < VMBOX_HOME/_config/config.yaml "
                + "< VMBOX_* environment variables (libvirt.uri -> VMBOX_LIBVIRT_URI) < command-line flags."},
        subcommands = {ConfigCommand.ListSettings.class, ConfigCommand.Get.class, ConfigCommand.Set.class})
final class ConfigCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }


    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every setting, its value and where it comes from.")
    static final class ListSettings implements Callable<Integer> {
@Mixin
        JsonOption json;

        @Override
        public Integer call() {
            VmboxCommand root = json.root();
            List<Setting> all = root.config().all();
            if (json.printed(() -> all)) {
                return 0;
            }
            Table t = new Table("KEY", "VALUE", "FROM");
            all.forEach(s -> t.row(s.key(), s.value(), s.origin()));
            t.print(root.out());
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print one setting's value.")
    static final class Get implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "KEY", description = "e.g. libvirt.uri")
        String key;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            Setting s = root.config().setting(key);
            if (s == null) {
                throw VmboxException.badInput("unknown setting '" + key + "'", "see them all with: vmbox config list");
            }
            root.out().println(s.value());
            root.out().flush();
            return 0;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Write one setting to VMBOX_HOME/_config/config.yaml (comments in that file are not kept).",
                "The value is checked by the rule of the flag it stands for (egress as --egress, tunnel.bind as --expose, "
                        + "libvirt.uri as --connect, ...), exactly as typed; nothing is written when it is refused."})
    static final class Set implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            VmboxConfig cfg = root.config();
            if (cfg.setting(key) == null) {
                throw VmboxException.badInput("unknown setting '" + key + "'", "see them all with: vmbox config list");
            }
            SettingRules.check(key, value, root.home().root());
            Path file = root.home().configFile();
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
            try {
                ObjectNode tree = Files.isRegularFile(file) && Files.size(file) > 0
                        && yaml.readTree(file.toFile()) instanceof ObjectNode o ? o : yaml.createObjectNode();
                String[] parts = key.split("\\.");
                ObjectNode node = tree;
                for (int i = 0; i < parts.length - 1; i++) {
                    node = node.get(parts[i]) instanceof ObjectNode child ? child : node.putObject(parts[i]);
                }
                node.put(parts[parts.length - 1], value);
                root.home().ensure();
                SecureFiles.privateDir(file.getParent());
                SecureFiles.writeAtomically(file, yaml.writeValueAsBytes(tree));
                VmboxConfig.load(file, java.util.Map.of());
            } catch (IOException e) {
                throw new VmboxException(ExitCode.FAILED, "cannot update " + file + ": " + e.getMessage(),
                        "fix or remove the file", e);
            }
            root.out().println(key + " = " + value + "  (in " + file + ")");
            root.out().flush();
            return 0;
        }
    }
}
