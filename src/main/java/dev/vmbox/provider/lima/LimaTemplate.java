package dev.vmbox.provider.lima;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.VmSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the lima.yaml for one vmbox instance. Every field that could open a door is set explicitly,
 * whatever Lima's defaults are this year:
 * <ul>
 *   <li>{@code plain: true}: no mounts, no automatic port forwarding, no containerd, no guest agent;</li>
 *   <li>{@code mounts: []} and no {@code template:_default/mounts} base: the host's home is not shared;</li>
 *   <li>catch-all {@code ignore} port-forward rules, so even without plain mode no guest port reaches the
 *       host (SSH uses Lima's separate {@code ssh.localPort}, on 127.0.0.1);</li>
 *   <li>{@code ssh.forwardAgent: false}, no X11, the host's {@code ~/.ssh/*.pub} not loaded;</li>
 *   <li>{@code user.name: lima}: the user Lima's host agent logs in as, which vmbox's sshd drop-in lets in
 *       (no forwarding); and vmbox's marker in {@code message}, which tells vmbox's instances from others;</li>
 *   <li>no proxy variables carried from the host, no package upgrades, no nested virtualisation;</li>
 *   <li>vmbox's cloud-config delivered as a root-only file and applied by the guest's own cloud-init
 *       (docs/decisions/0003-lima-provisioning.md), with a readiness probe that waits for it.</li>
 * </ul>
 */
public final class LimaTemplate {
    /** Plain mode keeping static forwards and {@code guestIPMustBeZero} date from Lima 2.0. */
    public static final String MINIMUM_LIMA_VERSION = "2.0.0";
    public static final String GUEST_CLOUD_CONFIG = "/var/lib/vmbox/cloud-config.yaml";
    public static final String GUEST_MARKER = "/var/lib/vmbox/provisioned";
    /**
     * The guest user Lima's host agent logs in as ({@code user.name}). Lima's default is the host's login name, which
     * could be anything (even vmbox's admin name); vmbox names it so that its sshd drop-in can let exactly this user
     * in (docs/decisions/0013-provider-ssh-access.md). {@code lima} is a name vmbox never gives its admin.
     */
    public static final String USER = "lima";
    private static final Pattern MARKER = Pattern.compile("vmbox instance '([a-z][a-z0-9-]*)': made by vmbox\\b.*",
            Pattern.DOTALL);
    private static final String PROVISION_SCRIPT = resource("provision.sh");

    private LimaTemplate() {
    }

    /** The Lima machine type for this spec on this host; the spec must have passed validation. */
    public static String vmType(VmSpec spec, HostPlatform host) {
        if (spec.gpu().wanted()) {
            return "krunkit";
        }
        return host.macOs() ? "vz" : "qemu";
    }

    /**
     * @param spec     the validated spec
     * @param userData the NoCloud user-data vmbox rendered (a {@code #cloud-config} document)
     * @param host     the host platform
     */
    public static LimaYaml build(VmSpec spec, String userData, HostPlatform host) {
        if (userData == null || !userData.startsWith("#cloud-config")) {
            throw new VmboxException(ExitCode.INTERNAL, "the user-data for '" + spec.name() + "' is not a cloud-config",
                    "this is a bug in vmbox; please report it");
        }
        List<LimaYaml.PortForward> noForwards = List.of(
                new LimaYaml.PortForward("0.0.0.0", false, List.of(1, 65535), "any", true),
                new LimaYaml.PortForward("127.0.0.1", null, List.of(1, 65535), "any", true));
        List<LimaYaml.Provision> provision = List.of(
                LimaYaml.Provision.data(GUEST_CLOUD_CONFIG, "root:root", "600", userData),
                LimaYaml.Provision.system(PROVISION_SCRIPT));
        List<LimaYaml.Probe> probes = List.of(new LimaYaml.Probe("readiness",
                "vmbox's cloud-config is applied",
                "#!/bin/sh\ntest -f " + GUEST_MARKER + "\n",
                "vmbox's provisioning failed inside the guest: see /var/log/cloud-init.log and the Lima boot log"));
        return new LimaYaml(
                MINIMUM_LIMA_VERSION,
                List.of(LimaImages.require(spec.image())),
                vmType(spec, host),
                spec.cpus(),
                size(spec.memory()),
                size(spec.disk()),
                true,
                List.of(),
                new LimaYaml.Containerd(false, false),
                new LimaYaml.User(USER),
                new LimaYaml.Ssh(0, false, false, false, false),
                noForwards,
                false,
                false,
                false,
                new LimaYaml.Video("none"),
                provision,
                probes,
                marker(spec.name()));
    }

    /**
     * vmbox's mark in the lima.yaml it writes, in Lima's typed {@code message} field: Lima keeps it through its
     * template merging, shows it after each start and reports it (rendered) in {@code limactl list --json}, so vmbox
     * can tell its instances from others of the same name. Plain text: the field is a Go template.
     */
    static String marker(String instance) {
        return "vmbox instance '" + instance + "': made by vmbox; manage it with vmbox (`vmbox delete " + instance
                + "` removes it)";
    }

    /** The vmbox instance that {@code message} (as Lima reports it) marks; empty when it is not vmbox's marker. */
    static Optional<String> markedInstance(String message) {
        Matcher m = MARKER.matcher(message == null ? "" : message.strip());
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Whole GiB where exact, else MiB rounded up (Lima reads both). */
    static String size(ByteSize size) {
        long b = size.bytes();
        if (b % ByteSize.GIB == 0) {
            return b / ByteSize.GIB + "GiB";
        }
        return (b + ByteSize.MIB - 1) / ByteSize.MIB + "MiB";
    }

    private static String resource(String name) {
        try (InputStream in = LimaTemplate.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
    }
}
