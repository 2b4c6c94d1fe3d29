package dev.vmbox.image;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Debian's control-file format (deb822), as apt and dpkg write it: stanzas of {@code Field: value} lines separated by
 * blank lines, a continuation line starting with a space or tab. Used on apt's Release and Packages files and dpkg's
 * status file in a tree vmbox built. Bounded: a line longer than {@value #MAX_LINE} characters or a stanza of more
 * than {@value #MAX_FIELDS} fields is an error naming the file, never a hang or an unbounded allocation.
 */
final class Deb822 {
    static final int MAX_LINE = 1 << 20;
    static final int MAX_FIELDS = 4096;

    /** Told each stanza; returns false to stop reading. */
    @FunctionalInterface
    interface Visitor {
        boolean stanza(Map<String, String> fields);
    }

    private Deb822() {
    }

    /** The first stanza of {@code text} (a Release file's one paragraph). */
    static Map<String, String> first(String text, String what) {
        Map<String, String>[] out = new Map[1];
        try {
            read(new StringReader(text), what, f -> {
                out[0] = f;
                return false;
            }, name -> true);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a StringReader does not fail
        }
        if (out[0] == null) {
            throw malformed(what, "no fields");
        }
        return out[0];
    }

    /**
     * Reads every stanza of {@code in}, keeping only the fields {@code keep} accepts (the rest are skipped without
     * being stored, so a large Packages index costs memory only for what is asked).
     */
    static void read(Reader in, String what, Visitor visitor, Predicate<String> keep) throws IOException {
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in, 1 << 16);
        Map<String, String> fields = new LinkedHashMap<>();
        String key = null;
        int count = 0;
        long lineNo = 0;
        StringBuilder line = new StringBuilder();
        while (readLine(r, line, what, lineNo + 1)) {
            lineNo++;
            if (line.isEmpty() || isBlank(line)) {
                if (count > 0 && !visitor.stanza(fields)) {
                    return;
                }
                fields = new LinkedHashMap<>();
                key = null;
                count = 0;
                continue;
            }
            char c = line.charAt(0);
            if (c == ' ' || c == '\t') {
                if (key == null && count == 0) {
                    throw malformed(what, "continuation line " + lineNo + " before any field");
                }
                if (key != null) {
                    fields.merge(key, line.toString().strip(), (a, b) -> a + "\n" + b);
                }
                continue;
            }
            if (c == '#') {
                continue;
            }
            int colon = line.indexOf(":");
            if (colon <= 0) {
                throw malformed(what, "line " + lineNo + " is not 'Field: value'");
            }
            String name = line.substring(0, colon);
            if (++count > MAX_FIELDS) {
                throw malformed(what, "more than " + MAX_FIELDS + " fields in one stanza (line " + lineNo + ")");
            }
            if (keep.test(name)) {
                key = name;
                fields.put(name, line.substring(colon + 1).strip());
            } else {
                key = null;
            }
        }
        if (count > 0) {
            visitor.stanza(fields);
        }
    }

    private static boolean readLine(BufferedReader r, StringBuilder line, String what, long lineNo) throws IOException {
        line.setLength(0);
        int c;
        boolean any = false;
        while ((c = r.read()) >= 0) {
            any = true;
            if (c == '\n') {
                return true;
            }
            if (line.length() >= MAX_LINE) {
                throw malformed(what, "line " + lineNo + " is longer than " + MAX_LINE + " characters");
            }
            line.append((char) c);
        }
        if (line.length() > 0 && line.charAt(line.length() - 1) == '\r') {
            line.setLength(line.length() - 1);
        }
        return any;
    }

    private static boolean isBlank(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static VmboxException malformed(String what, String why) {
        return new VmboxException(ExitCode.FAILED, what + " is not a valid Debian control file: " + why,
                "build the image again; if it repeats, the mirror serves damaged files");
    }
}
