package dev.vmbox.model.sizing;

/**
 * A GPU the host could pass through to the guest.
 *
 * @param name       e.g. "NVIDIA GeForce RTX 4090"
 * @param pciAddress e.g. "0000:01:00.0" (empty when unknown)
 * @param vramBytes  its memory
 */
public record Gpu(String name, String pciAddress, long vramBytes) {
}
