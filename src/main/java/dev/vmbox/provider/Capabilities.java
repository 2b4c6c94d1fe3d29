package dev.vmbox.provider;

/**
 * What a provider can do, so the use cases choose the right path without asking "which provider is it".
 *
 * @param needsSeedImage      the NoCloud seed is handed over as a disk image made by vmbox (libvirt)
 * @param staticSshPort       SSH is reached on a loopback port that does not change for the VM's life
 * @param hypervisorEgressSeal egress can be sealed by the hypervisor itself, not only by guest nftables
 * @param gpuPassthrough      PCI GPU passthrough is possible on this host
 * @param remoteHosts         VMs can live on another machine reached through the provider's own transport
 */
public record Capabilities(boolean needsSeedImage, boolean staticSshPort, boolean hypervisorEgressSeal,
                           boolean gpuPassthrough, boolean remoteHosts) {
}
