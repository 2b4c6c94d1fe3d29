package dev.vmbox.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A NoCloud seed folder as vmbox renders it (test resource dev/vmbox/provider/seed). */
public final class SeedFixture {
    private SeedFixture() {
    }

    public static String userData() {
        return resource("user-data");
    }

    /** Copies the seed into {@code dir}/seed and returns that folder. */
    public static Path write(Path dir) {
        try {
            Path seed = Files.createDirectories(dir.resolve("seed"));
            Files.writeString(seed.resolve("user-data"), userData());
            Files.writeString(seed.resolve("meta-data"), resource("meta-data"));
            return seed;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = SeedFixture.class.getResourceAsStream("/dev/vmbox/provider/seed/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
