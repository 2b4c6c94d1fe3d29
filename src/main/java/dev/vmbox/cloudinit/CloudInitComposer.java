package dev.vmbox.cloudinit;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.EgressPolicy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Composes a guest's cloud-config: the fragments of {@code cloud-init/} in a fixed order (base, the
 * runtime, the egress policy, the GPU), then what vmbox adds from the {@link GuestSpec}. Everything
 * vmbox adds is a typed value (a user record, a key string, an integer in a systemd drop-in, JSON made
 * by Jackson); only validated names ever appear inside generated file content.
 */
public final class CloudInitComposer {
    static final String SIZING_DROP_IN = "/etc/systemd/system/vmbox-runtime.service.d/10-vmbox-sizing.conf";
    static final String SSHD_ACCESS_DROP_IN = "/etc/ssh/sshd_config.d/01-vmbox-access.conf";

    private CloudInitComposer() {
    }

    /** The fragments used for {@code spec}, in merge order, relative to {@code cloud-init/}. */
    public static List<String> fragments(GuestSpec spec) {
        List<String> list = new ArrayList<>();
        list.add(Fragments.BASE);
        list.add(spec.runtime().fragment());
        list.add("egress/" + spec.egress().cliName() + ".yaml");
        spec.gpu().fragment().ifPresent(list::add);
        return List.copyOf(list);
    }

    /** The typed cloud-config for {@code spec}. */
    public static UserData compose(GuestSpec spec) {
        UserData data = UserData.empty();
        for (String f : fragments(spec)) {
            data = data.merge(Fragments.load(f), "cloud-init/" + f);
        }
        data = data.merge(generated(spec), "vmbox's values for instance '" + spec.instanceName() + "'");
        return data.merge(earlyEgress(data, spec), "vmbox's first-boot egress step");
    }

    /**
     * On first boot, write_files and runcmd run only after the network is up. This applies the policy's
     * ruleset at the start of cloud-init's network stage (bootcmd, before any other module), once per
     * instance ({@code cloud-init-per instance}); from then on vmbox-egress.service applies the active
     * ruleset before the network at every boot. The ruleset travels base64-encoded as one argument: it
     * is the fragment's own text (shown readable in write_files), never user input.
     */
    static UserData earlyEgress(UserData data, GuestSpec spec) {
        String path = GuestLayout.EGRESS_DIR + "/" + spec.egress().cliName() + ".nft";
        String ruleset = data.writeFiles().stream().filter(f -> f.path().equals(path)).map(WriteFile::content)
                .findFirst().orElseThrow(() -> new dev.vmbox.VmboxException(dev.vmbox.ExitCode.INTERNAL,
                        "no cloud-init fragment writes " + path, "this is a bug in vmbox's cloud-init fragments", null));
        String b64 = java.util.Base64.getEncoder().encodeToString(ruleset.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        List<String> step = List.of("cloud-init-per", "instance", "vmbox-egress-early", "sh", "-c",
                "printf '%s' \"$1\" | base64 -d | nft -f -", "vmbox-egress-early", b64);
        return UserData.empty().withBootcmd(List.of(step));
    }

    /** The user-data text for {@code spec}. */
    public static String renderUserData(GuestSpec spec) {
        return CloudInitRenderer.userData(compose(spec));
    }

    /** The meta-data text: {@code instanceId} (see {@link MetaData#freshInstanceId}) and the hostname. */
    public static String renderMetaData(GuestSpec spec, String instanceId) {
        return CloudInitRenderer.metaData(new MetaData(instanceId, spec.hostname()));
    }

    /**
     * The per-instance parts of a VM that boots a runtime image ({@code vmbox image build --runtime}): what the image
     * cannot know, and nothing else. The hardening, the egress machinery (the image boots sealed), the runtime's
     * user and unit and the locale are baked in from the same fragments. Here: the hostname, the admin user and key,
     * the pinned host key, the sshd access drop-in, the sizing drop-in (with the runtime's {@code args}), guest.json,
     * and for a policy other than sealed its {@code active.nft} (the image's seed unit applies it at once). No
     * commands. {@link ImageSeed} turns this into the files the image's seed unit reads.
     */
    static UserData composeForImage(GuestSpec spec, RuntimeArgs args) {
        if (spec.runtime() != RuntimeKind.LLAMA_CPP) {
            throw dev.vmbox.VmboxException.bug("no runtime image serves " + spec.runtime().cliName());
        }
        UserData own = generated(spec, sizing(spec, args));
        UserData data = new UserData(own.hostname(), own.preserveHostname(), true, null, true, true, List.of("ed25519"),
                true, own.sshKeys(), null, null, null, own.users(), own.writeFiles(), null, null);
        if (spec.egress() == EgressPolicy.SEALED) {
            return data;
        }
        String policy = "egress/" + spec.egress().cliName() + ".yaml";
        String active = GuestLayout.EGRESS_DIR + "/active.nft";
        List<WriteFile> activeFile = Fragments.load(policy).writeFiles().stream().filter(f -> f.path().equals(active)).toList();
        return data.merge(UserData.empty().withWriteFiles(activeFile), "cloud-init/" + policy);
    }

    private static UserData generated(GuestSpec spec) {
        return generated(spec, sizing(spec));
    }

    private static UserData generated(GuestSpec spec, String sizing) {
        String admin = spec.adminUser();
        User adminUser = new User(admin, "vmbox admin", null, null, null, "/bin/bash", true,
                "ALL=(ALL) NOPASSWD:ALL", null, List.of(spec.adminAuthorizedKey()));
        Map<String, String> sshKeys = Map.of(
                "ed25519_private", spec.hostKey().privateKeyOpenSsh(),
                "ed25519_public", spec.hostKey().publicKey());
        List<WriteFile> files = List.of(
                WriteFile.root(SSHD_ACCESS_DROP_IN, "0644", sshdAccess(spec)),
                WriteFile.root(SIZING_DROP_IN, "0644", sizing),
                WriteFile.root(GuestLayout.GUEST_INFO, "0644", CloudInitRenderer.json(GuestInfo.of(spec))));
        List<List<String>> runcmd = List.of(
                List.of("install", "-d", "-m", "0755", "-o", admin, "-g", admin, "/opt/vmbox", GuestLayout.RUNTIME_ROOT,
                        "/var/lib/vmbox", GuestLayout.MODEL_STORE));
        return new UserData(spec.hostname(), false, null, null, null, null, null, null, sshKeys, null, null, null,
                List.of(adminUser), files, null, runcmd);
    }

    /**
     * {@value #SSHD_ACCESS_DROP_IN}: who may log in. The admin may forward only to the runtime's port (on top of
     * 00-vmbox.conf). Where the provider logs in itself ({@link GuestSpec#providerLogin()}), its user is allowed
     * too, and a {@code Match User} block at the end of this file takes every kind of forwarding from it (sshd
     * ends a Match block at the end of an included file, so it reaches no further). What each provider runs over
     * SSH, and so what its user keeps: docs/decisions/0013-provider-ssh-access.md.
     */
    static String sshdAccess(GuestSpec spec) {
        ProviderLogin login = spec.providerLogin();
        String admin = spec.adminUser();
        StringBuilder sb = new StringBuilder();
        if (!login.present()) {
            sb.append("# vmbox: only the admin user may log in, and may forward only to the runtime's port.\n");
            sb.append("AllowUsers ").append(admin).append('\n');
        } else {
            sb.append("# vmbox: the admin user may log in, and may forward only to the runtime's port. ")
                    .append(login.user()).append(" is the user ").append(login.provider())
                    .append(" logs in as itself:\n# its key only, and no forwarding of any kind (the Match block below).\n");
            sb.append("AllowUsers ").append(admin).append(' ').append(login.user()).append('\n');
        }
        sb.append("PermitOpen 127.0.0.1:").append(spec.runtimePort()).append('\n');
        if (login.present()) {
            sb.append("Match User ").append(login.user()).append('\n')
                    .append("    DisableForwarding yes\n")
                    .append("    PermitOpen none\n")
                    .append("    PermitListen none\n")
                    .append("    PermitTunnel no\n");
        }
        return sb.toString();
    }

    private static String sizing(GuestSpec spec) {
        return sizing(spec, null);
    }

    /** The sizing drop-in; with {@code args}, the runtime image's settings for the runtime too. */
    private static String sizing(GuestSpec spec, RuntimeArgs args) {
        return "# vmbox: the runtime's address" + (args == null ? "" : ", settings") + " and limits, from the instance's "
                + (args == null ? "sizing" : "plan") + ".\n"
                + "[Service]\n"
                + "Environment=" + spec.runtime().portEnvironment(spec.runtimePort()) + "\n"
                + (args == null ? "" : args.environment())
                + "MemoryMax=" + spec.runtimeMemoryMaxBytes() + "\n"
                + "MemorySwapMax=0\n"
                + "TasksMax=" + spec.tasksMax() + "\n";
    }

    /**
     * The vmbox instance that {@code json}, the content of a guest's {@link GuestLayout#GUEST_INFO}, names; empty when
     * it is not vmbox's guest information.
     */
    public static Optional<String> guestInfoInstance(String json) {
        try {
            JsonNode n = new ObjectMapper().readTree(json == null ? "" : json);
            if (n != null && n.path("format").asInt(0) == 1 && n.path("instance").isTextual()) {
                return Optional.of(n.get("instance").asText());
            }
        } catch (IOException e) {
            // not JSON: not vmbox's
        }
        return Optional.empty();
    }

    /** The content of {@link GuestLayout#GUEST_INFO}: what the guest was made from. */
    @JsonPropertyOrder({"format", "instance", "hostname", "runtime", "runtimePort", "egress", "gpu", "model"})
    record GuestInfo(
            @JsonProperty("format") int format,
            @JsonProperty("instance") String instance,
            @JsonProperty("hostname") String hostname,
            @JsonProperty("runtime") String runtime,
            @JsonProperty("runtimePort") int runtimePort,
            @JsonProperty("egress") String egress,
            @JsonProperty("gpu") String gpu,
            @JsonProperty("model") String model) {
        static GuestInfo of(GuestSpec s) {
            return new GuestInfo(1, s.instanceName(), s.hostname(), s.runtime().slug(), s.runtimePort(),
                    s.egress().cliName(), s.gpu().name().toLowerCase(java.util.Locale.ROOT), s.modelRef());
        }
    }
}
