package dev.vmbox.provider;

import java.util.OptionalLong;

/**
 * What the machine that runs the VMs offers, when that machine is not this one (a remote libvirt host), so a
 * VM is sized for where it runs.
 *
 * @param cpus          logical CPUs
 * @param memoryBytes   physical memory
 * @param freeDiskBytes free space where the VM's disks go, when known
 */
public record HostCapacity(int cpus, long memoryBytes, OptionalLong freeDiskBytes) {
}
