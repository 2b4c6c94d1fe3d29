package dev.vmbox.runtime;

import dev.vmbox.VmboxException;
import dev.vmbox.model.ModelFormat;
import dev.vmbox.model.sizing.RuntimeNeeds;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The model servers vmbox installs, with the figures sizing needs. Memory and disk figures are
 * vmbox's own conservative allowances (documented in the README's sizing section), not measurements
 * of a particular release.
 */
public enum RuntimeKind {
    /** Ollama (default): Go server plus llama.cpp runner; its Linux tarball bundles the CUDA/ROCm libraries. */
    OLLAMA("ollama", "ollama", "vmbox-ollama", "bin/ollama", 11434, false, ModelFormat.GGUF, 512L << 20, 6L << 30,
            RuntimeKind.MODEL_STORE + "/ollama", "OLLAMA_HOST=127.0.0.1:",
            List.of(new HealthProbe("/", "Ollama is running", null), HealthProbe.get("/api/version")), "Ollama answers, ",
            "curl %1$s/api/generate -d '{\"model\": \"%2$s\", \"prompt\": \"Hello\", \"stream\": false}'"),
    /** llama.cpp's {@code llama-server}: one small binary and its shared libraries. */
    LLAMA_CPP("llama.cpp", "llama-cpp", "vmbox-llama", "llama-server", 8080, false, ModelFormat.GGUF, 256L << 20, 1L << 30,
            RuntimeKind.MODEL_STORE, "VMBOX_RUNTIME_PORT=",
            List.of(new HealthProbe("/health", null, "model loading")), "llama-server answers ", "curl %1$s/v1/models"),
    /** vLLM: Python, PyTorch and CUDA wheels; GPU only. */
    VLLM("vllm", "vllm", "vmbox-vllm", "venv/bin/vllm", 8000, true, ModelFormat.SAFETENSORS, 4L << 30, 20L << 30,
            RuntimeKind.MODEL_STORE, "VMBOX_RUNTIME_PORT=",
            List.of(HealthProbe.get("/health"), HealthProbe.get("/v1/models")), "vLLM answers, models ", "curl %1$s/v1/models");

    /** The guest's model store, read-only to the runtime; each runtime's own layout lives in or under it. */
    public static final String MODEL_STORE = "/var/lib/vmbox/models";

    private final String cliName;
    private final String slug;
    private final String systemUser;
    private final String binary;
    private final int defaultPort;
    private final boolean gpuOnly;
    private final ModelFormat format;
    private final long memoryOverheadBytes;
    private final long installDiskBytes;
    private final String modelStore;
    private final String portVariable;
    private final List<HealthProbe> health;
    private final String healthyPrefix;
    private final String tryLine;

    RuntimeKind(String cliName, String slug, String systemUser, String binary, int defaultPort, boolean gpuOnly,
            ModelFormat format, long memoryOverheadBytes, long installDiskBytes, String modelStore, String portVariable,
            List<HealthProbe> health, String healthyPrefix, String tryLine) {
        this.cliName = cliName;
        this.slug = slug;
        this.systemUser = systemUser;
        this.binary = binary;
        this.defaultPort = defaultPort;
        this.gpuOnly = gpuOnly;
        this.format = format;
        this.memoryOverheadBytes = memoryOverheadBytes;
        this.installDiskBytes = installDiskBytes;
        this.modelStore = modelStore;
        this.portVariable = portVariable;
        this.health = List.copyOf(health);
        this.healthyPrefix = healthyPrefix;
        this.tryLine = tryLine;
    }

    /** What sizing needs to know of this runtime. */
    public RuntimeNeeds needs() {
        return new RuntimeNeeds(cliName, format, gpuOnly, memoryOverheadBytes, installDiskBytes);
    }

    /** Where the install puts the model in the guest, for this runtime to find it. */
    public String modelStore() {
        return modelStore;
    }

    /** Its health check: these requests, in order, through the tunnel; all must answer 200. */
    public List<HealthProbe> healthProbes() {
        return health;
    }

    /** The one line a passed health check reports, from the last answer's body. */
    public String healthy(String lastBody) {
        return healthyPrefix + lastBody.strip();
    }

    /** A command to try the API at {@code endpoint} serving {@code model}. */
    public String tryCommand(String endpoint, String model) {
        return String.format(java.util.Locale.ROOT, tryLine, endpoint, model);
    }

    /**
     * The runtime's name in file and folder names: its cloud-init fragment ({@code runtime/<slug>.yaml}),
     * its folder in the guest ({@code /opt/vmbox/runtime/<slug>}), the guest's {@code guest.json}.
     */
    public String slug() {
        return slug;
    }

    /** The guest user the runtime runs as (made by its cloud-init fragment). */
    public String systemUser() {
        return systemUser;
    }

    /** The runtime's folder in the guest. */
    public String installDirectory() {
        return "/opt/vmbox/runtime/" + slug;
    }

    /** Where its main program must be in the guest; the unit does not start until it exists. */
    public String binaryPath() {
        return installDirectory() + "/" + binary;
    }

    /** Its main program relative to {@link #installDirectory()}. */
    public String binaryInInstallDirectory() {
        return binary;
    }

    /** Its cloud-init fragment, relative to the {@code cloud-init/} folder. */
    public String fragment() {
        return "runtime/" + slug + ".yaml";
    }

    /** The systemd {@code Environment=} value that sets the runtime's listening address. */
    public String portEnvironment(int port) {
        return portVariable + port;
    }

    public String cliName() {
        return cliName;
    }

    /** The port the runtime listens on inside the guest (bound to 127.0.0.1 there). */
    public int defaultPort() {
        return defaultPort;
    }

    public boolean gpuOnly() {
        return gpuOnly;
    }

    /** The model format it serves natively. */
    public ModelFormat format() {
        return format;
    }

    /** Memory the server process needs beyond the weights, KV cache and compute buffers. */
    public long memoryOverheadBytes() {
        return memoryOverheadBytes;
    }

    /** Disk its installation takes in the guest (archive plus unpacked files). */
    public long installDiskBytes() {
        return installDiskBytes;
    }

    public static RuntimeKind parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("llama-server") || t.equals("llamacpp") || t.equals("llama-cpp")) {
            return LLAMA_CPP;
        }
        for (RuntimeKind k : values()) {
            if (k.cliName.equals(t)) {
                return k;
            }
        }
        throw VmboxException.badInput("unknown runtime '" + text + "'", "use one of: "
                + Arrays.stream(values()).map(RuntimeKind::cliName).collect(Collectors.joining(", ")));
    }
}
