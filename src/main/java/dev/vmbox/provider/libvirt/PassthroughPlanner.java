package dev.vmbox.provider.libvirt;

import dev.vmbox.spec.GpuRequest;
import java.util.List;

/** Decides which PCI devices a GPU request passes through, after checking the host allows it. */
@FunctionalInterface
public interface PassthroughPlanner {
    /**
     * The full PCI addresses to pass through ({@code 0000:01:00.0}), empty for {@link GpuRequest#NONE}.
     * Throws {@link dev.vmbox.VmboxException} naming the failed check and its fix.
     */
    List<String> plan(GpuRequest request);

    /** For hosts where passthrough is not offered: fails for any GPU request, with the reason. */
    static PassthroughPlanner unavailable(String reason, String hint) {
        return request -> {
            if (!request.wanted()) {
                return List.of();
            }
            throw new dev.vmbox.VmboxException(dev.vmbox.ExitCode.UNAVAILABLE, "GPU passthrough is not possible: " + reason, hint);
        };
    }
}
