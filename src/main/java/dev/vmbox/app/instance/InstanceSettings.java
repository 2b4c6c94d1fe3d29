package dev.vmbox.app.instance;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.store.InstanceRecord;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The typed view of an instance record's settings: what create decided and later commands need
 * (admin user, pinned host key, runtime and ports). Keys are constants so the record format is one place.
 */
public final class InstanceSettings {
    public static final String ADMIN_USER = "adminUser";
    public static final String HOST_KEY = "hostKey";
    public static final String RUNTIME = "runtime";
    public static final String RUNTIME_PORT = "runtimePort";
    public static final String API_PORT = "apiPort";
    public static final String API_BIND = "apiBind";
    public static final String MODEL = "model";
    public static final String MODEL_NAME = "modelName";
    public static final String EGRESS = "egress";
    public static final String CPUS = "cpus";
    public static final String MEMORY = "memory";
    public static final String DISK = "disk";
    public static final String IMAGE = "image";
    public static final String GPU = "gpu";
    /** sha256 of the runtime image's manifest.json, when the VM boots a runtime image. */
    public static final String IMAGE_MANIFEST_SHA256 = "imageManifestSha256";
    /** sha256 of the model file the host verified and the guest received (single-file models). */
    public static final String MODEL_SHA256 = "modelSha256";

    private final InstanceRecord record;

    public InstanceSettings(InstanceRecord record) {
        this.record = record;
    }

    public String string(String key) {
        Object v = record.settings().get(key);
        if (v == null) {
            throw new VmboxException(ExitCode.FAILED, "the record of '" + record.name() + "' has no " + key,
                    "the instance was not fully created; remove it with: vmbox delete " + record.name());
        }
        return v.toString();
    }

    public String stringOr(String key, String fallback) {
        Object v = record.settings().get(key);
        return v == null ? fallback : v.toString();
    }

    public int integer(String key) {
        String s = string(key);
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new VmboxException(ExitCode.FAILED, "the record of '" + record.name() + "' has a bad " + key + ": " + s,
                    "remove the instance with: vmbox delete " + record.name(), e);
        }
    }

    public static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>(base);
        m.putAll(extra);
        return m;
    }
}
