package dev.vmbox.cli;

import dev.vmbox.ExitCode;
import dev.vmbox.app.doctor.Check;
import dev.vmbox.app.doctor.Doctor;
import dev.vmbox.app.doctor.DoctorReport;
import dev.vmbox.provider.ProviderProbe;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import dev.vmbox.provider.libvirt.LibvirtConfig;
import dev.vmbox.provider.libvirt.LibvirtProvider;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check what this host can do: providers, hardware virtualization, resources, IOMMU and GPUs, "
                + "and the helper tools vmbox needs. Every row says OK, MISSING or PROBLEM and what to do.",
            "",
            "With --connect qemu+ssh://host/system it checks that libvirt host instead, as `vmbox create --connect` "
                    + "would use it (GPUs read through libvirt and one ssh command there).",
            "",
            "Exits 0 when at least one provider is usable, 3 when none is."})
final class DoctorCommand implements Callable<Integer> {
    @Mixin
    JsonOption json;

    @Option(names = "--connect", paramLabel = "URI", description = "Check a remote libvirt host instead "
            + "(qemu+ssh://[user@]host/system): libvirt there, its CPUs, memory and pool, its IOMMU and GPUs.")
    String connect;

    @Override
    public Integer call() {
        VmboxCommand root = json.root();
        DoctorReport report;
        if (connect != null && !LibvirtConfig.defaults(connect, root.home().root()).local()) {
            LibvirtProvider remote = root.providers().libvirt(root.runner(), connect);
            remote.config().jumpHost();
            report = Doctor.remote(remote, remote::remoteCapacity);
        } else {
            List<ProviderProbe> probes = connect == null ? root.providers().probes()
                    : List.copyOf(root.providers().build(root.runner(), connect).values());
            report = new Doctor(probes, root.environment().systemRoot(), root.environment().osName(),
                    root.executables(), root.runner(), root.home().root()).run();
        }
        PrintWriter out = root.out();
        boolean printed = json.printed(() -> {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("usableProviders", report.usableProviders());
            doc.put("providers", report.providers());
            doc.put("checks", report.checks());
            return doc;
        });
        if (!printed) {
            String section = null;
            for (Check c : report.checks()) {
                if (!c.section().equals(section)) {
                    section = c.section();
                    out.println(section.toUpperCase(java.util.Locale.ROOT));
                }
                out.printf("  %-8s %-20s %s%n", c.status(), c.name(), c.detail());
                if (c.hint() != null && c.status() != Check.Status.OK) {
                    out.printf("  %-8s %-20s -> %s%n", "", "", c.hint());
                }
            }
            out.println();
            out.println(report.usableProviders().isEmpty()
                    ? "No usable provider: install one of the providers above (see the hints)."
                    : "Usable providers: " + String.join(", ", report.usableProviders()));
            out.flush();
        }
        return report.usableProviders().isEmpty() ? ExitCode.UNAVAILABLE.code() : ExitCode.OK.code();
    }
}
