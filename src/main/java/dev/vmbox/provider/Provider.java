package dev.vmbox.provider;

/**
 * The seam between vmbox and a hypervisor front end (libvirt, Lima, Multipass). Each implementation
 * drives its program's CLI through {@link dev.vmbox.exec.CommandRunner}, builds argv without side
 * effects, and parses output (and classifies errors) in its own class.
 */
public interface Provider extends ProviderProbe {
}
