package dev.vmbox.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;

/**
 * What vmbox remembers about an instance: its intent and identifiers, never its live state (that
 * always comes from the provider). Unknown fields from newer versions are ignored.
 *
 * @param schema        record format version
 * @param name          the instance name
 * @param provider      libvirt, lima or multipass
 * @param providerRef   how the provider knows it (libvirt domain name + URI, Lima instance name...)
 * @param phase         how far vmbox got: CREATING, READY, or BROKEN (a failed create kept on purpose)
 * @param failure       for BROKEN: the step that failed and why
 * @param createdAt     when create started
 * @param vmboxVersion  the vmbox that made it
 * @param settings      the resolved settings (runtime, model, egress, cpus, memory, disk, ports...)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record InstanceRecord(int schema, String name, String provider, Map<String, String> providerRef,
                             Phase phase, String failure, Instant createdAt, String vmboxVersion,
                             Map<String, Object> settings) {
    public static final int SCHEMA = 1;

    public enum Phase { CREATING, READY, BROKEN }

    public InstanceRecord {
        providerRef = providerRef == null ? Map.of() : Map.copyOf(providerRef);
        settings = settings == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(settings));
    }

    public InstanceRecord withPhase(Phase newPhase, String newFailure) {
        return new InstanceRecord(schema, name, provider, providerRef, newPhase, newFailure, createdAt, vmboxVersion,
                settings);
    }

    public InstanceRecord withSettings(Map<String, Object> newSettings) {
        return new InstanceRecord(schema, name, provider, providerRef, phase, failure, createdAt, vmboxVersion,
                newSettings);
    }
}
