package dev.vmbox.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Content tags of images: equal bytes give equal tags whenever made; computed once per file and kept beside it. */
class ContentTagTest {
    @TempDir
    Path tmp;

    Path image(String folder, String disk, Instant mtime) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(folder));
        Files.writeString(dir.resolve(ResolvedImage.DISK), disk);
        Files.writeString(dir.resolve("vmlinuz"), "kernel");
        Files.writeString(dir.resolve("initrd.img"), "initrd");
        for (String f : new String[] {ResolvedImage.DISK, "vmlinuz", "initrd.img"}) {
            Files.setLastModifiedTime(dir.resolve(f), FileTime.from(mtime));
        }
        return dir;
    }

    static ResolvedImage resolved(Path dir) {
        return ResolvedImage.fromFolder("vmbox-debian-12", dir).orElseThrow();
    }

    @Test
    void equalBytesGiveEqualTagsAndAnyChangeANewOne() throws Exception {
        String a = ContentTag.of(resolved(image("a", "disk bytes", Instant.parse("2026-01-01T00:00:00Z"))));
        String b = ContentTag.of(resolved(image("b", "disk bytes", Instant.parse("2026-06-01T00:00:00Z"))));
        assertEquals(a, b, "made at different times on different machines, same content");
        assertTrue(a.matches("[0-9a-f]{32}"), a);
        String c = ContentTag.of(resolved(image("c", "disk byteZ", Instant.parse("2026-01-01T00:00:00Z"))));
        assertNotEquals(a, c, "same size and time, other bytes");
        Path d = image("d", "disk bytes", Instant.parse("2026-01-01T00:00:00Z"));
        Files.writeString(d.resolve("vmlinuz"), "kernel2");
        assertNotEquals(a, ContentTag.of(resolved(d)), "the kernel is part of the base");
    }

    @Test
    void theTagIsKeptBesideTheImageAndRecomputedWhenTheFileChanges() throws Exception {
        Path dir = image("e", "first", Instant.parse("2026-01-01T00:00:00Z"));
        String first = ContentTag.of(resolved(dir));
        assertTrue(Files.readString(dir.resolve(ContentTag.FILE)).strip().endsWith("=" + first));
        Files.writeString(dir.resolve(ResolvedImage.DISK), "other");
        Files.setLastModifiedTime(dir.resolve(ResolvedImage.DISK), FileTime.from(Instant.parse("2026-02-01T00:00:00Z")));
        String second = ContentTag.of(resolved(dir));
        assertNotEquals(first, second);
        assertTrue(Files.readString(dir.resolve(ContentTag.FILE)).strip().endsWith("=" + second));
    }

    @Test
    void newBytesUnderTheOldSizeAndTimeStillGetANewTag() throws Exception {
        Instant t = Instant.parse("2026-05-01T00:00:00Z");
        Path dir = image("same", "bytes one", t);
        String before = ContentTag.of(resolved(dir));
        Path other = image("other", "bytes two", t);
        // replaced the way cp -p or rsync -t would: same size, the old mtime put back
        Files.copy(other.resolve(ResolvedImage.DISK), dir.resolve(ResolvedImage.DISK),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(dir.resolve(ResolvedImage.DISK), FileTime.from(t));
        assertEquals(ContentTag.of(resolved(other)), ContentTag.of(resolved(dir)));
        assertNotEquals(before, ContentTag.of(resolved(dir)));
    }

    @Test
    void aTagThatCannotBeKeptIsStillGivenAndLeavesNoTemporaryFile() throws Exception {
        Path dir = image("ro", "disk bytes", Instant.parse("2026-03-01T00:00:00Z"));
        // a folder where the tag file would go: the write fails even for root, as in a read-only image folder
        Files.createDirectories(dir.resolve(ContentTag.FILE).resolve("in-the-way"));
        String tag = ContentTag.of(resolved(dir));
        assertEquals(ContentTag.of(resolved(image("rw", "disk bytes", Instant.parse("2026-04-01T00:00:00Z")))), tag);
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList(),
                    "the failed write's temporary file is removed");
        }
    }
}
