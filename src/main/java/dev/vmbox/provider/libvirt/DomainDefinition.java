package dev.vmbox.provider.libvirt;

import dev.vmbox.image.ResolvedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything the domain XML is generated from; typed values only, so user input never becomes markup.
 *
 * @param domainName      libvirt domain name ({@code vmbox-<instance>})
 * @param instance        the vmbox instance name (kept in the domain's metadata)
 * @param virtType        {@link VirtType#KVM} or {@link VirtType#QEMU}
 * @param cpus            vCPUs
 * @param memoryKiB       memory in KiB
 * @param image           the base image (decides direct kernel boot or disk boot)
 * @param overlay         the VM's qcow2 overlay (its root disk)
 * @param seed            the NoCloud seed disk, attached read-only as a virtio disk
 * @param consoleLog      where the serial console is logged
 * @param sshPort         host loopback port forwarded to guest port 22
 * @param restrictNetwork user-mode networking with {@code restrict=on}: no packet leaves the guest
 * @param macAddress      the NIC's MAC (52:54:00:xx:xx:xx)
 * @param hostdevs        PCI devices passed through (managed), full addresses {@code 0000:01:00.0}
 * @param baseReadableAsIs the base is a root-owned, world-readable staged copy: named as the overlay's backing
 *                        store with libvirt's relabelling off, so no QEMU process owns (and may make writable) the
 *                        base that every VM of the image shares
 */
public record DomainDefinition(String domainName, String instance, VirtType virtType, int cpus, long memoryKiB,
                               ResolvedImage image, Path overlay, Path seed, Path consoleLog, int sshPort,
                               boolean restrictNetwork, String macAddress, List<String> hostdevs,
                               boolean baseReadableAsIs) {
    public DomainDefinition {
        Objects.requireNonNull(domainName, "domainName");
        Objects.requireNonNull(image, "image");
        if (virtType == VirtType.AUTO) {
            throw new IllegalArgumentException("resolve the domain type before generating XML");
        }
        if (!macAddress.matches("52:54:00(:[0-9a-f]{2}){3}")) {
            throw new IllegalArgumentException("not a QEMU MAC address: " + macAddress);
        }
        if (sshPort < 1 || sshPort > 65535) {
            throw new IllegalArgumentException("not a port: " + sshPort);
        }
        hostdevs = List.copyOf(hostdevs == null ? List.of() : hostdevs);
        for (String h : hostdevs) {
            if (!h.matches("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]")) {
                throw new IllegalArgumentException("not a PCI address: " + h);
            }
        }
    }

    /** The same VM with its SSH forward on another port (the first was taken). */
    public DomainDefinition withSshPort(int port) {
        return new DomainDefinition(domainName, instance, virtType, cpus, memoryKiB, image, overlay, seed, consoleLog, port,
                restrictNetwork, macAddress, hostdevs, baseReadableAsIs);
    }
}
