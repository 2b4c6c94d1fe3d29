package dev.vmbox.model.sizing;

/** Whether to plan for a GPU: use one when the host has one, never, or refuse without one. */
public enum GpuMode {
    AUTO, OFF, REQUIRED
}
