package dev.vmbox.cli;

import dev.vmbox.app.instance.InstanceView;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true,
        description = {"List the instances in VMBOX_HOME.",
            "STATE is what the provider says of the VM now (UNKNOWN when it cannot be asked; BROKEN when the provider "
                    + "says so, the record cannot be read, or the VM of a finished create is gone). PHASE is how far "
                    + "vmbox got by its record: ready, creating, or failed (a failed create that was kept).",
            "An instance whose record cannot be read is shown as BROKEN with the reason; it never hides the others.",
            "With --json: an array, empty when there are no instances."})
final class ListCommand implements Callable<Integer> {
    @Mixin
    JsonOption json;

    @Option(names = {"-q", "--quiet"}, description = "Print only the names.")
    boolean quiet;

    @Override
    public Integer call() {
        VmboxCommand root = json.root();
        PrintWriter out = root.out();
        if (quiet) {
            root.store().list().forEach(e -> out.println(e.name()));
            out.flush();
            return 0;
        }
        List<InstanceView> rows = root.instanceViews().list();
        if (json.printed(() -> rows)) {
            return 0;
        }
        if (rows.isEmpty()) {
            root.err().println("No instances. Make one with: vmbox create NAME");
            root.err().flush();
            return 0;
        }
        Table t = new Table("NAME", "STATE", "PHASE", "PROVIDER", "RUNTIME", "MODEL", "API", "TUNNEL", "DETAIL");
        for (InstanceView v : rows) {
            t.row(v.name(), v.state(), v.phase(), v.provider(), v.runtime(), v.model(), v.api(), v.tunnel(), v.detail());
        }
        t.print(out);
        return 0;
    }
}
