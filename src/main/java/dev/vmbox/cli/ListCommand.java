package dev.vmbox.cli;

import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        VmboxCommand root = (VmboxCommand) spec.root().userObject();
        List<InstanceStore.Entry> entries = root.store().list();
        PrintWriter out = root.out();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (InstanceStore.Entry e : entries) {
            rows.add(row(e));
        }
        if (json) {
            JsonOutput.print(out, rows);
            return 0;
        }
        if (quiet) {
            entries.forEach(e -> out.println(e.name()));
            out.flush();
            return 0;
        }
        if (rows.isEmpty()) {
            root.err().println("No instances. Make one with: vmbox create NAME");
            root.err().flush();
            return 0;
        }
        Table t = new Table("NAME", "STATE", "PROVIDER", "RUNTIME", "MODEL", "API", "DETAIL");
        for (Map<String, Object> r : rows) {
            t.row(str(r.get("name")), str(r.get("state")), str(r.get("provider")), str(r.get("runtime")),
                    str(r.get("model")), str(r.get("api")), str(r.get("detail")));
        }
        t.print(out);
        return 0;
    }

    private static Map<String, Object> row(InstanceStore.Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", e.name());
        if (!e.readable()) {
            m.put("state", "BROKEN");
            m.put("detail", e.error());
            return m;
        }
        InstanceRecord r = e.record();
        m.put("state", r.phase() == null ? "UNKNOWN" : r.phase().name());
        m.put("provider", r.provider());
        m.put("runtime", r.settings().get("runtime"));
        m.put("model", r.settings().get("model"));
        Object port = r.settings().get("apiPort");
        m.put("api", port == null ? null : "127.0.0.1:" + port);
        m.put("detail", r.failure());
        m.put("createdAt", r.createdAt() == null ? null : r.createdAt().toString());
        return m;
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }
}
