package dev.vmbox.cloudinit;

import dev.vmbox.runtime.RuntimeKind;
/**
 * Where things live in a vmbox guest. The runtime and the model are uploaded over SFTP by the admin
 * user after boot (cloud-init makes these folders, owned by the admin, 0755); the runtime's system user
 * can read them but never write them (its unit has ProtectSystem=strict and ReadOnlyPaths on both).
 */
public final class GuestLayout {
    /** Runtime releases: {@code /opt/vmbox/runtime/<runtime>/...} (see {@link RuntimeKind#binaryPath()}). */
    public static final String RUNTIME_ROOT = "/opt/vmbox/runtime";
    /** The model store, read-only to the runtime. */
    public static final String MODEL_STORE = RuntimeKind.MODEL_STORE;
    /** llama.cpp's model file. */
    public static final String LLAMA_CPP_MODEL = MODEL_STORE + "/model.gguf";
    /** vLLM's model folder (safetensors and config). */
    public static final String VLLM_MODEL = MODEL_STORE + "/model";
    /** Ollama's OLLAMA_MODELS folder (manifests/ and blobs/). */
    public static final String OLLAMA_MODELS = RuntimeKind.OLLAMA.modelStore();
    /** The one systemd unit that runs the runtime, whichever it is. */
    public static final String RUNTIME_UNIT = "vmbox-runtime.service";
    /**
     * Optional environment file for the runtime unit, root-owned, written by vmbox when installing:
     * {@code VMBOX_RUNTIME_ARGS} adds command-line flags (llama.cpp, vLLM), {@code OLLAMA_*} tune Ollama.
     */
    public static final String RUNTIME_ENV = "/etc/vmbox/runtime.env";
    /** What vmbox made this guest from (JSON, informational, read by {@code vmbox verify}). */
    public static final String GUEST_INFO = "/etc/vmbox/guest.json";
    /** The command vmbox runs (with sudo) to seal egress. */
    public static final String SEAL_COMMAND = "/usr/local/sbin/vmbox-seal";
    /**
     * cloud-init's own switch: while this file exists, cloud-init does not run at boot. vmbox makes it once the first
     * boot is over on providers that remove the seed afterwards (see {@code Provider#afterFirstBoot}).
     */
    public static final String CLOUD_INIT_DISABLED = "/etc/cloud/cloud-init.disabled";
    /** The egress rulesets' folder; {@code active.nft} is applied at boot by vmbox-egress.service. */
    public static final String EGRESS_DIR = "/etc/vmbox/egress";

    private GuestLayout() {
    }
}
