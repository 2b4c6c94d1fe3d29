package dev.vmbox.cloudinit;

import java.util.Optional;

/** The GPU the guest gets, if any. NVIDIA adds {@code cloud-init/gpu/nvidia.yaml}. */
public enum GpuKind {
    NONE(null),
    NVIDIA("gpu/nvidia.yaml");

    private final String fragment;

    GpuKind(String fragment) {
        this.fragment = fragment;
    }

    /** Fragment file relative to {@code cloud-init/}, or empty for no GPU. */
    public Optional<String> fragment() {
        return Optional.ofNullable(fragment);
    }
}
