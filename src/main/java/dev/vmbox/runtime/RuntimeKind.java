package dev.vmbox.runtime;

import dev.vmbox.VmboxException;
import dev.vmbox.model.ModelFormat;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The model servers vmbox installs, with the figures sizing needs. Memory and disk figures are
 * vmbox's own conservative allowances (documented in the README's sizing section), not measurements
 * of a particular release.
 */
public enum RuntimeKind {
    /** Ollama (default): Go server plus llama.cpp runner; its Linux tarball bundles the CUDA/ROCm libraries. */
    OLLAMA("ollama", "ollama", "vmbox-ollama", "bin/ollama", 11434, false, ModelFormat.GGUF, 512L << 20, 6L << 30),
    /** llama.cpp's {@code llama-server}: one small binary and its shared libraries. */
    LLAMA_CPP("llama.cpp", "llama-cpp", "vmbox-llama", "llama-server", 8080, false, ModelFormat.GGUF, 256L << 20, 1L << 30),
    /** vLLM: Python, PyTorch and CUDA wheels; GPU only. */
    VLLM("vllm", "vllm", "vmbox-vllm", "venv/bin/vllm", 8000, true, ModelFormat.SAFETENSORS, 4L << 30, 20L << 30);

    private final String cliName;
    private final String slug;
    private final String systemUser;
    private final String binary;
    private final int defaultPort;
    private final boolean gpuOnly;
    private final ModelFormat format;
    private final long memoryOverheadBytes;
    private final long installDiskBytes;

    RuntimeKind(String cliName, String slug, String systemUser, String binary, int defaultPort, boolean gpuOnly,
            ModelFormat format, long memoryOverheadBytes, long installDiskBytes) {
        this.cliName = cliName;
        this.slug = slug;
        this.systemUser = systemUser;
        this.binary = binary;
        this.defaultPort = defaultPort;
        this.gpuOnly = gpuOnly;
        this.format = format;
        this.memoryOverheadBytes = memoryOverheadBytes;
        this.installDiskBytes = installDiskBytes;
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
        return this == OLLAMA ? "OLLAMA_HOST=127.0.0.1:" + port : "VMBOX_RUNTIME_PORT=" + port;
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
