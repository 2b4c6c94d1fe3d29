package dev.vmbox.app.verify;

import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.EgressPolicy;

/**
 * What verify needs to know of an instance, handed in by whoever keeps its record (so this package does not
 * depend on where or how instances are stored).
 *
 * @param egress      the egress policy it was made with
 * @param runtime     the model server
 * @param runtimePort the model server's port inside the guest
 * @param apiPort     the API's port on this host
 * @param exposed     the API is published beyond loopback on purpose (--expose)
 */
public record Subject(EgressPolicy egress, RuntimeKind runtime, int runtimePort, int apiPort, boolean exposed) {
}
