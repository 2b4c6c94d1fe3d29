package dev.vmbox.app.create;

import dev.vmbox.cloudinit.GpuKind;
import dev.vmbox.image.RuntimeImage;
import dev.vmbox.provider.Provider;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.spec.VmSpec;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything {@code vmbox create} decided before it starts making things (see {@link CreateRequests}).
 *
 * @param spec          the VM (name, size, image, egress, GPU request)
 * @param provider      the chosen provider, why, and what the record keeps to find the VM again
 * @param runtime       the model server, its port in the guest and its memory limit
 * @param api           where the API is published on the host (loopback unless exposed)
 * @param modelRef      the model as the user named it
 * @param gpuKind       the GPU driver family the guest needs
 * @param adminUser     the guest's one login user
 * @param keepOnFailure keep what was made when a step fails (recorded as BROKEN)
 * @param timeout       the whole create's deadline
 * @param runtimeImage  the runtime image the VM boots (the runtime is in it: only the model travels), or null when
 *                      the runtime is installed into the image at create
 */
public record CreateRequest(VmSpec spec, Chosen provider, GuestRuntime runtime, ApiAddress api, String modelRef,
                            GpuKind gpuKind, String adminUser, boolean keepOnFailure, Duration timeout,
                            RuntimeImage runtimeImage) {
    public static final String DEFAULT_ADMIN = "vmbox";

    /**
     * The provider a create runs on.
     *
     * @param provider the provider
     * @param reason   one line: why this provider
     * @param ref      what the record keeps to find the VM again (e.g. the libvirt URI)
     */
    public record Chosen(Provider provider, String reason, Map<String, String> ref) {
        public Chosen {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(reason, "reason");
            ref = Map.copyOf(ref);
        }
    }

    /**
     * The model server in the guest.
     *
     * @param kind          which one
     * @param port          its port on the guest's 127.0.0.1
     * @param memoryMax     systemd MemoryMax for it (bytes)
     * @param contextTokens the context the plan sized the KV cache for (0: the runtime's own default)
     */
    public record GuestRuntime(RuntimeKind kind, int port, long memoryMax, int contextTokens) {
        public GuestRuntime {
            Objects.requireNonNull(kind, "kind");
            ApiAddress.port(port);
            if (contextTokens < 0) {
                throw new IllegalArgumentException("negative context " + contextTokens);
            }
        }

        public GuestRuntime(RuntimeKind kind, int port, long memoryMax) {
            this(kind, port, memoryMax, 0);
        }
    }

    /** A create that installs the runtime at create time (no runtime image). */
    public CreateRequest(VmSpec spec, Chosen provider, GuestRuntime runtime, ApiAddress api, String modelRef,
                         GpuKind gpuKind, String adminUser, boolean keepOnFailure, Duration timeout) {
        this(spec, provider, runtime, api, modelRef, gpuKind, adminUser, keepOnFailure, timeout, null);
    }

    public CreateRequest {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(modelRef, "modelRef");
        Objects.requireNonNull(gpuKind, "gpuKind");
        Objects.requireNonNull(adminUser, "adminUser");
        Objects.requireNonNull(timeout, "timeout");
        if (runtimeImage != null && !runtimeImage.name().equals(spec.image())) {
            throw new IllegalArgumentException("the VM boots " + spec.image() + ", not the runtime image " + runtimeImage.name());
        }
    }

    public String name() {
        return spec.name();
    }

    public Provider chosenProvider() {
        return provider.provider();
    }

    public RuntimeKind runtimeKind() {
        return runtime.kind();
    }

    /** Whether the VM boots a runtime image: the runtime is in it, only the model travels. */
    public boolean baked() {
        return runtimeImage != null;
    }
}
