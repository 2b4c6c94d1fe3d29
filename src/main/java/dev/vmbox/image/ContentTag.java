package dev.vmbox.image;

import dev.vmbox.download.Sha256;
import java.io.IOException;
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
 * A short name for an image's content: the first 32 hex digits (128 bits) of a sha256 over its disk, kernel and
 * initrd.
 * Equal bytes give equal tags on any machine, whenever the files were made, so a remote host keeps one base per
 * content however many workstations upload it, and a rebuilt image never reuses an old base.
 *
 * <p>Hashing a multi-GiB disk takes seconds, so the tag is kept beside the image ({@value #FILE}), keyed by each
 * part's inode, size, modification and change time (a copy that keeps the mtime still gets a new ctime), and in
 * memory for this run when that folder is not writable (an image built with sudo). Where the file system shows
 * no inode or ctime the tag is computed every time.
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
        String key = key(parts);
        if (key == null) {
            return hash(parts);
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
                if (line.length == 2 && line[0].equals(key) && line[1].matches("[0-9a-f]{32}")) {
                    MEMO.put(memoKey, line[1]);
                    return line[1];
                }
            }
        } catch (IOException e) {
            // computed below
        }
        String tag = hash(parts);
        if (!key.equals(key(parts))) {
            return tag; // changed while it was read: neither remembered nor kept
        }
        MEMO.put(memoKey, tag);
        Path tmp = null;
        try {
            tmp = Files.createTempFile(cache.getParent(), FILE, ".tmp");
            Files.writeString(tmp, key + "=" + tag + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException | UnsupportedOperationException e) {
            // not writable here: remembered for this run only
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
        return tag;
    }

    /** Identity of the parts' current bytes without reading them, or null where the file system cannot tell. */
    private static String key(List<Path> parts) throws IOException {
        StringBuilder key = new StringBuilder("v2");
        for (Path p : parts) {
            try {
                Object ino = Files.getAttribute(p, "unix:ino");
                Object ctime = Files.getAttribute(p, "unix:ctime");
                key.append(' ').append(ino).append(':').append(Files.size(p)).append(':')
                        .append(Files.getLastModifiedTime(p).toMillis()).append(':').append(ctime);
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                return null;
            }
        }
        return key.toString();
    }

    private static String hash(List<Path> parts) throws IOException {
        MessageDigest all = Sha256.newDigest();
        for (Path p : parts) {
            MessageDigest one = Sha256.newDigest();
            Sha256.hashInto(p, one);
            all.update(one.digest());
        }
        return Sha256.hex(all.digest()).substring(0, 32);
    }
}
