package dev.vmbox.app.create;

import dev.vmbox.cloudinit.GpuKind;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.provider.Provider;
import dev.vmbox.spec.VmSpec;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything {@code vmbox create} decided before it starts making things.
 *
 * @param spec          the VM (name, size, image, egress, GPU request)
 * @param provider      the chosen provider
 * @param providerReason one line: why this provider
 * @param providerRef   what the record keeps to find the VM again (e.g. the libvirt URI)
 * @param runtime       the model server
 * @param runtimePort   its port on the guest's 127.0.0.1
 * @param apiBind       host address of the tunnel (loopback unless exposed)
 * @param apiPort       host port of the tunnel
 * @param exposed       the user confirmed a non-loopback bind (--expose)
 * @param modelRef      the model as the user named it
 * @param runtimeMemoryMax systemd MemoryMax for the runtime (bytes)
 * @param gpuKind       the GPU driver family the guest needs
 * @param adminUser     the guest's one login user
 * @param keepOnFailure keep what was made when a step fails (recorded as BROKEN)
 * @param timeout       the whole create's deadline
 */
public record CreateRequest(VmSpec spec, Provider provider, String providerReason, java.util.Map<String, String> providerRef,
                            RuntimeKind runtime, int runtimePort,
                            String apiBind, int apiPort, boolean exposed, String modelRef, long runtimeMemoryMax,
                            GpuKind gpuKind, String adminUser, boolean keepOnFailure, Duration timeout) {
    public static final String DEFAULT_ADMIN = "vmbox";

    public CreateRequest {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(timeout, "timeout");
        providerRef = providerRef == null ? java.util.Map.of() : java.util.Map.copyOf(providerRef);
        adminUser = adminUser == null ? DEFAULT_ADMIN : adminUser;
        gpuKind = gpuKind == null ? GpuKind.NONE : gpuKind;
    }

    public String name() {
        return spec.name();
    }
}
