package dev.vmbox.provider.lima;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The lima.yaml vmbox writes for an instance, as typed values: only the fields vmbox sets, each one on
 * purpose (see docs/decisions/0003-lima-provisioning.md). Written by {@link LimaYamlWriter}; never assembled
 * from strings.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"minimumLimaVersion", "base", "vmType", "cpus", "memory", "disk", "plain", "mounts",
        "containerd", "user", "ssh", "portForwards", "nestedVirtualization", "propagateProxyEnv", "upgradePackages",
        "video", "provision", "probes", "message"})
public record LimaYaml(
        @JsonProperty("minimumLimaVersion") String minimumLimaVersion,
        @JsonProperty("base") List<String> base,
        @JsonProperty("vmType") String vmType,
        @JsonProperty("cpus") int cpus,
        @JsonProperty("memory") String memory,
        @JsonProperty("disk") String disk,
        @JsonProperty("plain") boolean plain,
        @JsonProperty("mounts") List<Object> mounts,
        @JsonProperty("containerd") Containerd containerd,
        @JsonProperty("user") User user,
        @JsonProperty("ssh") Ssh ssh,
        @JsonProperty("portForwards") List<PortForward> portForwards,
        @JsonProperty("nestedVirtualization") boolean nestedVirtualization,
        @JsonProperty("propagateProxyEnv") boolean propagateProxyEnv,
        @JsonProperty("upgradePackages") boolean upgradePackages,
        @JsonProperty("video") Video video,
        @JsonProperty("provision") List<Provision> provision,
        @JsonProperty("probes") List<Probe> probes,
        @JsonProperty("message") String message) {

    public LimaYaml {
        base = List.copyOf(base);
        mounts = List.copyOf(mounts);
        portForwards = List.copyOf(portForwards);
        provision = List.copyOf(provision);
        probes = List.copyOf(probes);
    }

    /** No containerd in the guest, neither system-wide nor rootless. */
    @JsonPropertyOrder({"system", "user"})
    public record Containerd(@JsonProperty("system") boolean system, @JsonProperty("user") boolean user) {
    }

    /** The guest user Lima's host agent logs in as (vmbox names it, so that its sshd drop-in can let it in). */
    @JsonPropertyOrder({"name"})
    public record User(@JsonProperty("name") String name) {
    }

    /** Lima's own SSH settings: a random loopback port, nothing of the host's SSH set-up carried in. */
    @JsonPropertyOrder({"localPort", "loadDotSSHPubKeys", "forwardAgent", "forwardX11", "forwardX11Trusted"})
    public record Ssh(@JsonProperty("localPort") int localPort,
                      @JsonProperty("loadDotSSHPubKeys") boolean loadDotSSHPubKeys,
                      @JsonProperty("forwardAgent") boolean forwardAgent,
                      @JsonProperty("forwardX11") boolean forwardX11,
                      @JsonProperty("forwardX11Trusted") boolean forwardX11Trusted) {
    }

    /** A port-forward rule; vmbox writes only {@code ignore: true} rules. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"guestIP", "guestIPMustBeZero", "guestPortRange", "proto", "ignore"})
    public record PortForward(@JsonProperty("guestIP") String guestIP,
                              @JsonProperty("guestIPMustBeZero") Boolean guestIPMustBeZero,
                              @JsonProperty("guestPortRange") List<Integer> guestPortRange,
                              @JsonProperty("proto") String proto,
                              @JsonProperty("ignore") boolean ignore) {
        public PortForward {
            guestPortRange = List.copyOf(guestPortRange);
        }
    }

    @JsonPropertyOrder({"display"})
    public record Video(@JsonProperty("display") String display) {
    }

    /** One provisioning step: {@code mode: data} (a file) or {@code mode: system} (a root script). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"mode", "path", "owner", "permissions", "overwrite", "content", "script"})
    public record Provision(@JsonProperty("mode") String mode,
                            @JsonProperty("path") String path,
                            @JsonProperty("owner") String owner,
                            @JsonProperty("permissions") String permissions,
                            @JsonProperty("overwrite") Boolean overwrite,
                            @JsonProperty("content") String content,
                            @JsonProperty("script") String script) {
        public static Provision data(String path, String owner, String permissions, String content) {
            return new Provision("data", path, owner, permissions, true, content, null);
        }

        public static Provision system(String script) {
            return new Provision("system", null, null, null, null, null, script);
        }
    }

    /** A readiness probe: {@code limactl start} waits until it succeeds, or fails with the hint. */
    @JsonPropertyOrder({"mode", "description", "script", "hint"})
    public record Probe(@JsonProperty("mode") String mode,
                        @JsonProperty("description") String description,
                        @JsonProperty("script") String script,
                        @JsonProperty("hint") String hint) {
    }
}
