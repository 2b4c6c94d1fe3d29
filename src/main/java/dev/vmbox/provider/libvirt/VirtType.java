package dev.vmbox.provider.libvirt;

import java.util.Locale;

/** The libvirt domain type: {@code kvm} (hardware virtualization) or {@code qemu} (software emulation, slow). */
public enum VirtType {
    /** Ask libvirt, and use kvm when the host really has it. */
    AUTO,
    KVM,
    QEMU;

    public String xmlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
