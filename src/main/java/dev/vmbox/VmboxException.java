package dev.vmbox;

import java.util.Objects;

/**
 * The one error type users see. Its message says what failed and why, in one line; its hint says what
 * to do about it. The CLI prints {@code vmbox: <message>} and, on the next line, {@code hint: <hint>},
 * and exits with {@link #exitCode()}. Causes and stack traces appear only with {@code --debug}.
 */
public class VmboxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ExitCode exitCode;
    private final String hint;

    public VmboxException(ExitCode exitCode, String message, String hint) {
        this(exitCode, message, hint, null);
    }

    public VmboxException(ExitCode exitCode, String message, String hint, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.exitCode = Objects.requireNonNull(exitCode, "exitCode");
        this.hint = hint;
    }

    public static VmboxException badInput(String message, String hint) {
        return new VmboxException(ExitCode.BAD_INPUT, message, hint);
    }

    public static VmboxException notFound(String message, String hint) {
        return new VmboxException(ExitCode.NOT_FOUND, message, hint);
    }

    /** A state vmbox itself should never reach (exit 70): the hint asks for a report. */
    public static VmboxException bug(String message) {
        return new VmboxException(ExitCode.INTERNAL, message, "this is a bug in vmbox; please report it");
    }

    public static VmboxException failed(String message, String hint, Throwable cause) {
        return new VmboxException(ExitCode.FAILED, message, hint, cause);
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    /** What the user can do about it; may be null when there is nothing useful to say. */
    public String hint() {
        return hint;
    }
}
