package dev.vmbox.cloudinit;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.vmbox.VmboxException;
import dev.vmbox.spec.Names;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * NoCloud {@code meta-data}. cloud-init runs its once-per-instance modules again whenever the
 * {@code instance-id} changes, so every vmbox instance gets a fresh one ({@link #fresh}).
 */
@JsonPropertyOrder({"instance-id", "local-hostname"})
public record MetaData(
        @JsonProperty("instance-id") String instanceId,
        @JsonProperty("local-hostname") String localHostname) {
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,127}");
    private static final SecureRandom RANDOM = new SecureRandom();

    public MetaData {
        Objects.requireNonNull(instanceId, "instanceId");
        if (!ID.matcher(instanceId).matches()) {
            throw VmboxException.badInput("invalid instance-id " + Names.forMessage(instanceId),
                    "use lower-case letters, digits and '-', at most 128 characters");
        }
        Names.hostname(localHostname);
    }

    /** A new, unique instance id for {@code instanceName}: {@code vmbox-<name>-<16 random hex digits>}. */
    public static String freshInstanceId(String instanceName) {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return "vmbox-" + Names.instanceName(instanceName) + "-" + HexFormat.of().formatHex(b);
    }
}
