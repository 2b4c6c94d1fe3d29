package dev.vmbox.cloudinit;

import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.VmboxException;
import dev.vmbox.security.HostKeyPair;
import dev.vmbox.security.PublicKeys;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.spec.Names;
import java.util.Objects;

/**
 * Everything vmbox puts into one guest, checked on construction: a bad value is refused with
 * BAD_INPUT and a message naming it, never repaired or passed through.
 *
 * @param instanceName          vmbox instance name (a DNS label)
 * @param hostname              the guest's hostname (a DNS label)
 * @param adminUser             the one login user in the guest (passwordless sudo, key only)
 * @param adminAuthorizedKey    that user's only authorized key, an ssh-ed25519 public key line
 * @param hostKey               the guest's SSH host key, made on the host and pinned by vmbox
 * @param runtime               which model server the guest runs
 * @param runtimePort           the port it listens on, on the guest's 127.0.0.1
 * @param egress                the egress policy applied from first boot
 * @param gpu                   the GPU passed through, or {@link GpuKind#NONE}
 * @param runtimeMemoryMaxBytes systemd MemoryMax for the runtime (from the sizing)
 * @param tasksMax              systemd TasksMax for the runtime
 * @param modelRef              the model as the user named it, recorded in {@link GuestLayout#GUEST_INFO};
 *                              may be null
 * @param providerLogin         the user the VM's provider logs in as itself, let in beside the admin with no
 *                              forwarding; {@link ProviderLogin#NONE} when only the admin may log in (libvirt)
 */
public record GuestSpec(
        String instanceName,
        String hostname,
        String adminUser,
        String adminAuthorizedKey,
        HostKeyPair hostKey,
        RuntimeKind runtime,
        int runtimePort,
        EgressPolicy egress,
        GpuKind gpu,
        long runtimeMemoryMaxBytes,
        int tasksMax,
        String modelRef,
        ProviderLogin providerLogin) {

    public static final long MIN_MEMORY = 256L << 20;
    public static final long MAX_MEMORY = 64L << 40;
    public static final int MIN_TASKS = 16;
    public static final int MAX_TASKS = 4_194_304;
    public static final int MAX_MODEL_REF = 512;

    public GuestSpec {
        Names.instanceName(instanceName);
        Names.hostname(hostname);
        Names.adminUser(adminUser);
        adminAuthorizedKey = PublicKeys.requireEd25519(adminAuthorizedKey, "admin user's public key");
        Objects.requireNonNull(hostKey, "hostKey");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(egress, "egress");
        Objects.requireNonNull(gpu, "gpu");
        if (runtimePort < 1024 || runtimePort > 65535) {
            throw VmboxException.badInput("invalid runtime port " + runtimePort,
                    "use a port from 1024 to 65535 (the runtime runs unprivileged)");
        }
        if (runtimeMemoryMaxBytes < MIN_MEMORY || runtimeMemoryMaxBytes > MAX_MEMORY) {
            throw VmboxException.badInput("runtime memory limit " + runtimeMemoryMaxBytes + " bytes is out of range",
                    "use between 256 MiB and 64 TiB");
        }
        if (tasksMax < MIN_TASKS || tasksMax > MAX_TASKS) {
            throw VmboxException.badInput("runtime task limit " + tasksMax + " is out of range",
                    "use between " + MIN_TASKS + " and " + MAX_TASKS);
        }
        modelRef = checkModelRef(modelRef);
        Objects.requireNonNull(providerLogin, "providerLogin");
        if (adminUser.equals(providerLogin.user())) {
            throw VmboxException.badInput("the admin user name '" + adminUser + "' is the user " + providerLogin.provider()
                    + " logs in as itself", "pick another admin user name, e.g. 'vmadmin'");
        }
    }

    /** A copy for a VM whose provider logs in as {@code login}. */
    public GuestSpec withProviderLogin(ProviderLogin login) {
        return new GuestSpec(instanceName, hostname, adminUser, adminAuthorizedKey, hostKey, runtime, runtimePort,
                egress, gpu, runtimeMemoryMaxBytes, tasksMax, modelRef, login);
    }

    private static String checkModelRef(String ref) {
        if (ref == null) {
            return null;
        }
        if (ref.isBlank()) {
            throw VmboxException.badInput("the model reference is blank", "name a model, e.g. llama3.1:8b");
        }
        if (ref.length() > MAX_MODEL_REF) {
            throw VmboxException.badInput("the model reference is too long (" + ref.length() + " characters)",
                    "model references are at most " + MAX_MODEL_REF + " characters");
        }
        for (int i = 0; i < ref.length(); i++) {
            char c = ref.charAt(i);
            boolean badSurrogate = Character.isHighSurrogate(c)
                    ? i + 1 >= ref.length() || !Character.isLowSurrogate(ref.charAt(++i))
                    : Character.isLowSurrogate(c);
            int type = Character.getType(c);
            if (badSurrogate || Character.isISOControl(c) || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.FORMAT
                    || type == Character.UNASSIGNED || type == Character.PRIVATE_USE) {
                throw VmboxException.badInput("the model reference " + Names.forMessage(ref)
                        + " contains a control, format or invalid character at position " + (i + 1),
                        "use the model's name as published, without line breaks or invisible characters");
            }
        }
        return ref;
    }
}
