package dev.vmbox.download;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A publisher's checksum list in the coreutils format ({@code <hex>  <file>} or {@code <hex> *<file>}),
 * as Ubuntu's SHA256SUMS and Debian's SHA512SUMS are written. Lines that do not match are ignored; the
 * algorithm of each entry is told by its length (64 hex digits: SHA-256, 128: SHA-512).
 */
public final class ChecksumList {
    private static final Pattern LINE = Pattern.compile("^([0-9a-fA-F]{64}|[0-9a-fA-F]{128})\\s+\\*?(\\S.*?)\\s*$");
    private final Map<String, Digest> byFile = new HashMap<>();

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
                String hex = m.group(1);
                list.byFile.put(file, new Digest(Digest.Algorithm.ofHexLength(hex.length()), hex));
            }
        }
        return list;
    }

    /** The digest listed for {@code fileName}, whatever its algorithm. */
    public Optional<Digest> digestOf(String fileName) {
        return Optional.ofNullable(byFile.get(fileName));
    }

    public int size() {
        return byFile.size();
    }
}
