package dev.vmbox.provider;

/** Tells whether one provider is installed and working here; {@code vmbox doctor} shows one row per probe. */
public interface ProviderProbe {
    /** "libvirt", "lima" or "multipass". */
    String id();

    /** Never throws for "not installed" or "not working": it reports why, with a hint. */
    Availability probe();
}
