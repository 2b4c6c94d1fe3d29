package dev.vmbox.provider;

/** How to stop a VM: ask the guest to shut down (ACPI), or pull the plug. */
public enum StopMode {
    GRACEFUL,
    FORCE
}
