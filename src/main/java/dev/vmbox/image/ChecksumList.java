package dev.vmbox.image;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A publisher's checksum list in the coreutils format ({@code <hex>  <file>} or {@code <hex> *<file>}),
 * as Ubuntu's SHA256SUMS and Debian's SHA512SUMS are written. Lines that do not match are ignored.
 */
public final class ChecksumList {
    private static final Pattern LINE = Pattern.compile("^([0-9a-fA-F]{64}|[0-9a-fA-F]{128})\\s+\\*?(\\S.*?)\\s*$");
    private final Map<String, String> byFile = new HashMap<>();

    private ChecksumList() {
    }

    public static ChecksumList parse(String text) {
        ChecksumList list = new ChecksumList();
        for (String line : text.split("\\R")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                String file = m.group(2);
                if (file.startsWith("./")) {
                    file = file.substring(2);
                }
                list.byFile.put(file, m.group(1).toLowerCase(Locale.ROOT));
            }
        }
        return list;
    }

    public Optional<String> checksumOf(String fileName) {
        return Optional.ofNullable(byFile.get(fileName));
    }

    public int size() {
        return byFile.size();
    }
}
