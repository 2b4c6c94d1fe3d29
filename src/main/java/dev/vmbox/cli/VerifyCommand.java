package dev.vmbox.cli;

import dev.vmbox.ExitCode;
import dev.vmbox.app.verify.Promise;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check the instance's promises: on the host (host key still the pinned one, egress sealed at the "
                + "hypervisor in the running VM, tunnel on loopback only, a request without the API key or from a web "
                + "page refused) and as the guest reports them (egress blocked "
                + "over TCP, UDP and IPv6, runtime on 127.0.0.1 only, not root, its sandbox and network deny list in "
                + "force, no host folder mounted, no password SSH). Each row says which: what the guest reports is only "
                + "as good as the guest's own root.",
            "", "Exits 0 when every promise holds, 6 when any fails."})
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    InstanceArgument instance;
    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        List<Promise> promises = root.instanceVerification().verify(instance.name());
        boolean failed = promises.stream().anyMatch(p -> p.result() == Promise.Result.FAIL);
        boolean printed = json.printed(() -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("name", instance.name());
            doc.put("passed", !failed);
            doc.put("promises", promises);
            return doc;
        });
        if (!printed) {
            Table t = new Table("RESULT", "PROMISE", "EVIDENCE", "DETAIL");
            promises.forEach(p -> t.row(p.result().name(), p.id(), p.evidence(), p.detail()));
            t.print(root.out());
            root.out().println(failed ? "FAILED: at least one promise does not hold" : "All promises hold.");
            root.out().flush();
        }
        return failed ? ExitCode.SECURITY.code() : 0;
    }
}
