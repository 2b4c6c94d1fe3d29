package dev.vmbox.spec;

import dev.vmbox.VmboxException;

/**
 * A value as the user typed it (an option's value, a setting): taken exactly, never trimmed, so that what vmbox
 * checks and uses is what was written. The one rule for every typed value, before its own rule (a size, a port, an
 * address, a path, a URI, a name): not empty, at most {@value #MAX_LENGTH} characters, no whitespace before or after
 * it (a stray space or newline from a script or a copy, which trimming would hide in one place and keep in another),
 * no control character anywhere (newline, tab, NUL), no line separator and no invisible formatting character (a
 * right-to-left override makes what is shown differ from what is used).
 */
public final class TypedText {
    public static final int MAX_LENGTH = 4096;
    private static final String HINT = "give the value exactly, with no space or line break around it (check the quoting, "
            + "or what a script or a copy added)";

    private TypedText() {
    }

    /**
     * Returns {@code value} unchanged, or refuses it (BAD_INPUT) naming {@code what} (e.g. {@code --egress}, or a
     * setting's key).
     */
    public static String of(String value, String what) {
        if (value == null || value.isEmpty()) {
            throw VmboxException.badInput(what + " is empty", HINT);
        }
        if (value.length() > MAX_LENGTH) {
            throw VmboxException.badInput(what + " is longer than " + MAX_LENGTH + " characters", HINT);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029' || c == '\u0085') {
                throw VmboxException.badInput(what + " " + Names.forMessage(value) + " holds a line break", HINT);
            }
            if (Character.isISOControl(c)) {
                throw VmboxException.badInput(what + " " + Names.forMessage(value) + " holds a control character (U+"
                        + String.format("%04X", (int) c) + ")", HINT);
            }
            if (Character.getType(c) == Character.FORMAT) {
                throw VmboxException.badInput(what + " " + Names.forMessage(value) + " holds an invisible formatting "
                        + "character (U+" + String.format("%04X", (int) c) + ")", HINT);
            }
        }
        if (blank(value.charAt(0)) || blank(value.charAt(value.length() - 1))) {
            throw VmboxException.badInput(what + " " + Names.forMessage(value) + " has a space "
                    + (blank(value.charAt(0)) ? "before" : "after") + " it", HINT);
        }
        return value;
    }

    private static boolean blank(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }
}
