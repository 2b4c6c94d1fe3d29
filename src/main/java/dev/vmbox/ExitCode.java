package dev.vmbox;

/**
 * The exit codes of every vmbox command. They are part of the public contract: scripts test them,
 * the README and {@code vmbox --help} list them. Never renumber one.
 */
public enum ExitCode {
    OK(0, "success"),
    FAILED(1, "the operation failed (a provider, SSH or install step failed; the message says which)"),
    BAD_INPUT(2, "invalid input: bad option, name, size, port, model reference or file"),
    UNAVAILABLE(3, "this host cannot do it: no usable provider, a required tool is missing, or too little memory, CPU or disk"),
    NOT_FOUND(4, "instance or image not found, or the instance is in the wrong state for the request"),
    TIMEOUT(5, "timed out (a readiness wait, a provider command, an SSH step)"),
    SECURITY(6, "a security check failed: host key mismatch, a checksum mismatch, or a `vmbox verify` promise failed"),
    /** Something the request needs is held by someone else: the API port, the instance's lock, the provider's name. */
    IN_USE(7, "in use: the port, the instance (another vmbox holds its lock) or the VM name is taken"),
    INTERNAL(70, "internal error: a bug in vmbox (run again with --debug and report it)"),
    INTERRUPTED(130, "interrupted (Ctrl-C)");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
