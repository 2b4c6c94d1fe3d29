package dev.vmbox.app.create;

import dev.vmbox.cloudinit.GpuKind;
import dev.vmbox.host.PciHost;

/** The guest's GPU driver family, from the vendor of the GPU it gets (read on the host the VM runs on). */
public final class GuestGpu {
    /** PCI vendor id of NVIDIA: the guest needs NVIDIA's driver. */
    static final String NVIDIA = "0x10de";

    private GuestGpu() {
    }

    /** {@link GpuKind#NVIDIA} for an NVIDIA card at {@code address} on {@code host}; {@link GpuKind#NONE} otherwise. */
    public static GpuKind driverFor(PciHost host, String address) {
        return host.find(address).filter(d -> NVIDIA.equals(d.vendorId())).map(d -> GpuKind.NVIDIA).orElse(GpuKind.NONE);
    }
}
