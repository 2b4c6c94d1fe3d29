package dev.vmbox.cloudinit;

import dev.vmbox.VmboxException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The model servers vmbox can run in a guest. Each has a fragment in {@code cloud-init/runtime/}, a
 * dedicated system user, a binary path the unit waits for (uploaded later over SFTP), and its usual
 * port. Every runtime runs as {@link GuestLayout#RUNTIME_UNIT} and listens on 127.0.0.1 only.
 */
public enum RuntimeKind {
    OLLAMA("ollama", "vmbox-ollama", 11434, "/opt/vmbox/runtime/ollama/bin/ollama"),
    LLAMA_CPP("llama-cpp", "vmbox-llama", 8080, "/opt/vmbox/runtime/llama-cpp/llama-server"),
    VLLM("vllm", "vmbox-vllm", 8000, "/opt/vmbox/runtime/vllm/venv/bin/vllm");

    private final String cliName;
    private final String systemUser;
    private final int defaultPort;
    private final String binary;

    RuntimeKind(String cliName, String systemUser, int defaultPort, String binary) {
        this.cliName = cliName;
        this.systemUser = systemUser;
        this.defaultPort = defaultPort;
        this.binary = binary;
    }

    public String cliName() {
        return cliName;
    }

    /** The guest user the runtime runs as (made by the runtime's fragment). */
    public String systemUser() {
        return systemUser;
    }

    public int defaultPort() {
        return defaultPort;
    }

    /** Where the runtime's main binary must be uploaded; the unit does not start until it exists. */
    public String binaryPath() {
        return binary;
    }

    /** The runtime's folder in the guest, {@code /opt/vmbox/runtime/<name>}. */
    public String installDirectory() {
        return GuestLayout.RUNTIME_ROOT + "/" + cliName;
    }

    /** Fragment file, relative to the {@code cloud-init/} folder. */
    public String fragment() {
        return "runtime/" + cliName + ".yaml";
    }

    /** The systemd {@code Environment=} value that sets the listening address for this runtime. */
    String portEnvironment(int port) {
        return this == OLLAMA ? "OLLAMA_HOST=127.0.0.1:" + port : "VMBOX_RUNTIME_PORT=" + port;
    }

    public static RuntimeKind parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (RuntimeKind k : values()) {
            if (k.cliName.equals(t) || (k == LLAMA_CPP && (t.equals("llama.cpp") || t.equals("llama-server")))) {
                return k;
            }
        }
        throw VmboxException.badInput("unknown runtime " + dev.vmbox.spec.Names.forMessage(text),
                "use one of: " + Arrays.stream(values()).map(RuntimeKind::cliName).collect(Collectors.joining(", ")));
    }
}
