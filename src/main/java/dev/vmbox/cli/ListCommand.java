package dev.vmbox.cli;

import dev.vmbox.app.instance.InstanceView;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true,
        description = {"List the instances in VMBOX_HOME.",
            "An instance whose record cannot be read is shown as BROKEN with the reason; it never hides the others."})
final class ListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the list as JSON (an array, empty when there are no instances).")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "Print only the names.")
    boolean quiet;

    @Override
    public Integer call() {
        VmboxCommand root = VmboxCommand.of(spec);
        PrintWriter out = root.out();
        if (quiet) {
            root.store().list().forEach(e -> out.println(e.name()));
            out.flush();
            return 0;
        }
        List<InstanceView> rows = root.instances().list();
        if (json) {
            JsonOutput.print(out, rows);
            return 0;
        }
        if (rows.isEmpty()) {
            root.err().println("No instances. Make one with: vmbox create NAME");
            root.err().flush();
            return 0;
        }
        Table t = new Table("NAME", "STATE", "PROVIDER", "RUNTIME", "MODEL", "API", "TUNNEL", "DETAIL");
        for (InstanceView v : rows) {
            t.row(v.name(), v.state(), v.provider(), v.runtime(), v.model(), v.api(), v.tunnel(), v.detail());
        }
        t.print(out);
        return 0;
    }
}
