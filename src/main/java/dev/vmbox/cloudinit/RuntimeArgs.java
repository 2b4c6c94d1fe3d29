package dev.vmbox.cloudinit;

import dev.vmbox.VmboxException;
import dev.vmbox.spec.Names;

/**
 * The runtime's settings from the instance's plan, for a runtime image's unit (llama-server reads them from its
 * {@code LLAMA_ARG_*} environment): the context the KV cache was sized for, the threads, and the name the API serves
 * the model under. Checked here because they end up in a systemd drop-in.
 *
 * @param contextTokens {@code LLAMA_ARG_CTX_SIZE}; 0 leaves llama-server's default (the model's trained context)
 * @param threads       {@code LLAMA_ARG_THREADS}: the VM's vCPUs (the installer sets 1 under software emulation,
 *                      where ggml's spinning worker threads collapse)
 * @param alias         {@code LLAMA_ARG_ALIAS}: the model's name in {@code /v1/models} and requests
 */
public record RuntimeArgs(int contextTokens, int threads, String alias) {
    /** What an alias may be: it is also the model's name in the API. */
    public static final String ALIAS_RULE = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";
    /** The alias of a model whose file name is not one. */
    public static final String FALLBACK_ALIAS = "model.gguf";

    public RuntimeArgs {
        if (contextTokens < 0 || contextTokens > (1 << 24)) {
            throw VmboxException.badInput("context " + contextTokens + " is out of range", "give --context between 256 and 16777216");
        }
        if (threads < 1 || threads > 512) {
            throw VmboxException.badInput("threads " + threads + " is out of range", "use between 1 and 512 CPUs");
        }
        if (alias == null || !alias.matches(ALIAS_RULE)) {
            throw VmboxException.badInput("the model name " + Names.forMessage(String.valueOf(alias))
                    + " cannot be served as an alias", "letters, digits, '.', '_' and '-', at most 128");
        }
    }

    /** The alias for a model file: its name when that follows {@link #ALIAS_RULE}, else {@value #FALLBACK_ALIAS}. */
    public static String aliasFor(String fileName) {
        return fileName != null && fileName.matches(ALIAS_RULE) ? fileName : FALLBACK_ALIAS;
    }

    /** The drop-in lines for llama-server. */
    String environment() {
        return (contextTokens > 0 ? "Environment=LLAMA_ARG_CTX_SIZE=" + contextTokens + "\n" : "")
                + "Environment=LLAMA_ARG_THREADS=" + threads + "\n"
                + "Environment=LLAMA_ARG_ALIAS=" + alias + "\n";
    }
}
