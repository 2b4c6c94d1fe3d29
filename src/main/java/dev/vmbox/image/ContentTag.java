package dev.vmbox.image;

import dev.vmbox.download.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A short name for an image's content: the first 16 hex digits of a sha256 over its disk, kernel and initrd.
 * Equal bytes give equal tags on any machine, whenever the files were made, so a remote host keeps one base per
 * content however many workstations upload it, and a rebuilt image never reuses an old base.
 *
 * <p>Hashing a multi-GiB disk takes seconds, so the tag is kept beside the image ({@value #FILE}), keyed by each
 * part's size and modification time, and in memory for this run when that folder is not writable (an image built
 * with sudo).
 */
public final class ContentTag {
    static final String FILE = ".vmbox-content-tag";
    private static final Map<String, String> MEMO = new ConcurrentHashMap<>();

    private ContentTag() {
    }

    public static String of(ResolvedImage image) throws IOException {
        List<Path> parts = new ArrayList<>(List.of(image.disk()));
        if (image.kernel() != null) {
            parts.add(image.kernel());
        }
        if (image.initrd() != null) {
            parts.add(image.initrd());
        }
        StringBuilder key = new StringBuilder("v1");
        for (Path p : parts) {
            key.append(' ').append(Files.size(p)).append(':').append(Files.getLastModifiedTime(p).toMillis());
        }
        String memoKey = image.disk().toAbsolutePath() + " " + key;
        String known = MEMO.get(memoKey);
        if (known != null) {
            return known;
        }
        Path cache = image.disk().resolveSibling(FILE);
        try {
            if (Files.isRegularFile(cache)) {
                String[] line = Files.readString(cache, StandardCharsets.US_ASCII).strip().split("=", 2);
                if (line.length == 2 && line[0].equals(key.toString()) && line[1].matches("[0-9a-f]{16}")) {
                    MEMO.put(memoKey, line[1]);
                    return line[1];
                }
            }
        } catch (IOException e) {
            // computed below
        }
        MessageDigest all = Sha256.newDigest();
        byte[] buf = new byte[1 << 16];
        for (Path p : parts) {
            MessageDigest one = Sha256.newDigest();
            try (InputStream in = Files.newInputStream(p)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    one.update(buf, 0, n);
                }
            }
            all.update(one.digest());
        }
        String tag = Sha256.hex(all.digest()).substring(0, 16);
        MEMO.put(memoKey, tag);
        try {
            Path tmp = Files.createTempFile(cache.getParent(), FILE, ".tmp");
            Files.writeString(tmp, key + "=" + tag + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UnsupportedOperationException e) {
            // not writable here: remembered for this run only
        }
        return tag;
    }
}
