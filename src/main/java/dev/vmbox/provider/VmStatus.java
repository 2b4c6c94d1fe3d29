package dev.vmbox.provider;

import java.util.List;

/**
 * One VM as its provider sees it now.
 *
 * @param name       the vmbox instance name
 * @param providerId "libvirt", "lima" or "multipass"
 * @param state      its state; {@link VmState#NOT_CREATED} when the provider does not know it
 * @param messages   what is wrong when {@link VmState#BROKEN}, or notes; never null
 */
public record VmStatus(String name, String providerId, VmState state, List<String> messages) {
    public VmStatus {
        messages = List.copyOf(messages == null ? List.of() : messages);
    }

    public static VmStatus notCreated(String name, String providerId) {
        return new VmStatus(name, providerId, VmState.NOT_CREATED, List.of());
    }

    public boolean exists() {
        return state != VmState.NOT_CREATED;
    }
}
