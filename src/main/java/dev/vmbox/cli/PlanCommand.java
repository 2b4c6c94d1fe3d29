package dev.vmbox.cli;

import dev.vmbox.VmboxException;
import dev.vmbox.app.plan.PlanRequest;
import dev.vmbox.model.sizing.Plan;
import dev.vmbox.provider.HostCapacity;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Size a VM for a model and show the reasoning: weights, KV cache for the context, runtime and OS "
                + "overhead, GPU fit and layers offloaded, checked against this host (or a remote libvirt host with "
                + "--connect). Makes nothing.")
final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--json", description = "Print the plan as JSON.")
    boolean json;

    @Option(names = "--connect", paramLabel = "URI", description = "Plan for the remote libvirt host at URI (e.g. "
            + "qemu+ssh://gpu1/system): its CPUs, memory, pool and, for --gpu, its GPUs are read there (read-only).")
    String connect;

    @Override
    public Integer call() {
        VmboxCommand root = VmboxCommand.of(spec);
        PlanRequest request = model.planRequest(root);
        Optional<HostCapacity> remote = connect == null ? Optional.empty()
                : root.providers().libvirt(root.runner(), SettingRules.libvirtUri(connect, "--connect", root.home().root()))
                        .remoteCapacity();
        if (connect != null && remote.isEmpty()) {
            throw VmboxException.badInput("--connect " + connect + " is this machine, not a remote host",
                    "plan for this machine without --connect");
        }
        Plan plan = root.planner().plan(request, remote);
        if (json) {
            JsonOutput.print(root.out(), plan);
        } else {
            print(root.out(), plan);
        }
        return 0;
    }

    static void print(PrintWriter out, Plan p) {
        out.printf(Locale.ROOT, "Model:    %s (%s, %.2fB parameters, %s)%n", p.model(), p.architecture(),
                p.parameterCount() / 1e9, p.quantization());
        out.printf(Locale.ROOT, "Runtime:  %s, context %d tokens, KV cache %s%n", p.runtime(), p.contextLength(), p.kvCacheType());
        out.printf(Locale.ROOT, "VM:       %d vCPU, %s memory, %s disk%n", p.cpus(), TerminalProgress.mib(p.memoryBytes()),
                TerminalProgress.mib(p.diskBytes()));
        out.printf(Locale.ROOT, "Runtime:  MemoryMax %s%n", TerminalProgress.mib(p.runtimeMemoryMaxBytes()));
        if (p.gpu() != null) {
            out.printf(Locale.ROOT, "GPU:      %s (%s), %d of %d layers, %s of %s VRAM%n", p.gpu().name(), p.gpu().pciAddress(),
                    p.gpu().layersOffloaded(), p.gpu().totalLayers(), TerminalProgress.mib(p.gpu().vramNeededBytes()),
                    TerminalProgress.mib(p.gpu().vramBytes()));
        } else {
            out.println("GPU:      none (CPU inference)");
        }
        out.println("Reasoning:");
        p.reasoning().forEach(line -> out.println("  - " + line));
        out.flush();
    }
}
