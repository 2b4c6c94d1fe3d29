package dev.vmbox.image;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandRunner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * {@code vmbox image build}: makes the default image ({@value ImageCache#BUILT_IMAGE}) with mmdebstrap
 * from Debian's signed packages, by running the recipe shipped in the jar
 * ({@code dev/vmbox/image/build-image}, the same file {@code scripts/build-image} runs). Needs root.
 */
public final class ImageBuilder {
    public static final String RECIPE_RESOURCE = "/dev/vmbox/image/build-image";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(40);

    private final CommandRunner runner;
    private final ImageCache cache;

    public ImageBuilder(CommandRunner runner, ImageCache cache) {
        this.runner = runner;
        this.cache = cache;
    }

    /** The recipe's text, e.g. to show or hash it. */
    public static String recipe() {
        try (InputStream in = ImageBuilder.class.getResourceAsStream(RECIPE_RESOURCE)) {
            if (in == null) {
                throw new VmboxException(ExitCode.INTERNAL, "the image recipe is missing from vmbox.jar", "rebuild vmbox");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot read the image recipe: " + e.getMessage(), "rebuild vmbox", e);
        }
    }

    /** The argv that builds the image into {@code out} with the recipe file {@code script}. */
    public static List<String> argv(Path script, Path out, String suite) {
        return List.of("sh", script.toString(), out.toString(), suite);
    }

    /** Builds (or rebuilds) the default image into the cache and returns it. */
    public ResolvedImage build(Duration timeout) {
        Path out = cache.folderOf(ImageCache.BUILT_IMAGE);
        Path script = null;
        try {
            ImageCache.createPrivateDirectories(cache.root());
            script = Files.createTempFile(cache.root(), ".build-image", ".sh",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.writeString(script, recipe());
            runner.run(Command.of(timeout, argv(script, out, "bookworm")));
        } catch (CommandFailedException e) {
            int rc = e.exitCodeOfCommand();
            String why = e.result().stderrTail(3);
            throw new VmboxException(rc == 3 ? ExitCode.UNAVAILABLE : ExitCode.FAILED, "image build failed: " + why,
                    rc == 3 ? "run it as root with mmdebstrap, e2fsprogs and qemu-utils installed"
                            : "check network access to deb.debian.org and free disk space, then run it again", e);
        } catch (IOException e) {
            throw VmboxException.failed("cannot prepare the image build in " + cache.root() + ": " + e.getMessage(),
                    "check permissions and free space of the vmbox home folder", e);
        } finally {
            if (script != null) {
                try {
                    Files.deleteIfExists(script);
                } catch (IOException ignored) {
                    // a leftover temp script is harmless
                }
            }
        }
        return cache.cached(ImageCache.BUILT_IMAGE).orElseThrow(() -> VmboxException.failed(
                "the image build finished but left no image in " + out, "run the build again with --debug", null));
    }
}
