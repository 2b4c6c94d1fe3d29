package dev.vmbox.cli;

import dev.vmbox.app.instance.InstanceView;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show one instance: live state from the provider, the record's phase, the API endpoint, the tunnel.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    InstanceArgument instance;
    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        InstanceView v = root.instanceViews().status(instance.name());
        if (json.printed(() -> v)) {
            return 0;
        }
        PrintWriter out = root.out();
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("Name", v.name());
        rows.put("State", v.state());
        rows.put("Phase", v.phase());
        rows.put("Provider", v.provider());
        rows.put("Runtime", v.runtime());
        rows.put("Model", v.model());
        rows.put("API", v.api());
        rows.put("Tunnel", v.tunnel());
        rows.put("Autostart", v.autostart());
        rows.put("Egress", v.egress());
        rows.put("CPUs", v.cpus());
        rows.put("Memory", v.memory());
        rows.put("Disk", v.disk());
        rows.put("Image", v.image() == null ? null : v.image() + (v.imageManifestSha256() == null ? ""
                : " (manifest sha256 " + v.imageManifestSha256() + ")"));
        rows.put("Model sha256", v.modelSha256());
        rows.put("Detail", v.detail());
        rows.forEach((k, val) -> {
            if (val != null) {
                out.printf("%-10s %s%n", k + ":", val);
            }
        });
        out.flush();
        return 0;
    }
}
