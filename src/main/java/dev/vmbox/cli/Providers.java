package dev.vmbox.cli;

import dev.vmbox.provider.ProviderProbe;
import dev.vmbox.provider.lima.LimaProbe;
import dev.vmbox.provider.multipass.MultipassProbe;
import java.util.List;

/** The providers vmbox knows, in the order doctor shows them. */
final class Providers {
    private Providers() {
    }

    static List<ProviderProbe> probes(VmboxCommand root) {
        return List.of(
                new LimaProbe(root.runner(), root.executables()),
                new MultipassProbe(root.runner(), root.executables()));
    }
}
