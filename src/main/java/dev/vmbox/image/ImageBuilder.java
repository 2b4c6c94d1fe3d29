package dev.vmbox.image;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code vmbox image build}: makes the default image ({@value ImageCache#BUILT_IMAGE}) with mmdebstrap
 * from Debian's signed packages, by running the recipe shipped in the jar
 * ({@code dev/vmbox/image/build-image}, the same file {@code scripts/build-image} runs). Needs root.
 *
 * <p>Run through sudo for another user, the build is for that user ({@link #forWhom}): vmbox refuses to build
 * into root's own home (that user's vmbox never looks there) and prints {@link #BUILD_COMMAND}, which names
 * the user's own vmbox home; given that home, it builds there and hands what it made to the user.
 */
public final class ImageBuilder {
    public static final String RECIPE_RESOURCE = "/dev/vmbox/image/build-image";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(40);
    /**
     * The command a user runs: their own shell expands {@code VMBOX_HOME} (or their {@code HOME}) to exactly
     * the folder their vmbox reads, and sudo passes it on.
     */
    public static final String BUILD_COMMAND = "sudo env VMBOX_HOME=\"${VMBOX_HOME:-$HOME/.vmbox}\" vmbox image build";

    private final CommandRunner runner;
    private final ImageCache cache;
    private final Optional<SudoCaller> owner;

    public ImageBuilder(CommandRunner runner, ImageCache cache) {
        this(runner, cache, Optional.empty());
    }

    /** A builder whose image, and the folders it makes for it, go to {@code owner} (a sudo caller) when given. */
    public ImageBuilder(CommandRunner runner, ImageCache cache, Optional<SudoCaller> owner) {
        this.runner = runner;
        this.cache = cache;
        this.owner = owner;
    }

    /**
     * Who a build is for. Empty: for whoever runs vmbox. A sudo caller with {@code VMBOX_HOME} given: for that
     * caller. A sudo caller without it: refused (BAD_INPUT), since {@code home} is then root's own (sudo drops
     * the caller's environment, and Java takes the home folder from root's account) and the caller's vmbox would
     * never find the image; the hint is the exact command to run instead. vmbox never guesses a user's folder
     * to write into as root.
     */
    public static Optional<SudoCaller> forWhom(Map<String, String> env, boolean runningAsRoot, Path home) {
        Optional<SudoCaller> caller = SudoCaller.of(env, runningAsRoot);
        if (caller.isPresent() && (env.get("VMBOX_HOME") == null || env.get("VMBOX_HOME").isBlank())) {
            String user = caller.get().user();
            throw VmboxException.badInput("run through sudo, `vmbox image build` would build into root's vmbox home " + home
                    + ", where " + user + "'s vmbox never looks",
                    "run, as " + user + ": " + BUILD_COMMAND + "   (the image is then " + user + "'s)");
        }
        return caller;
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
        List<Path> made = List.of();
        try {
            made = ImageCache.createPrivateDirectories(cache.root());
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
            SecureFiles.deleteQuietly(script);
        }
        ResolvedImage image = cache.cached(ImageCache.BUILT_IMAGE).orElseThrow(() -> VmboxException.failed(
                "the image build finished but left no image in " + out, "run the build again with --debug", null));
        if (owner.isPresent()) {
            handOver(made, out, owner.get());
        }
        return image;
    }

    /**
     * Gives the folders this build created and the image folder with everything in it to {@code caller}: owner and
     * group only (modes stay as they are), on each link itself, never on what a link points to; folders that
     * existed before the build keep their owner.
     */
    static void handOver(List<Path> createdFolders, Path imageFolder, SudoCaller caller) {
        List<Path> paths = new ArrayList<>(createdFolders);
        try (Stream<Path> walk = Files.walk(imageFolder)) {
            walk.forEach(paths::add);
        } catch (IOException e) {
            throw handOverFailed(imageFolder, caller, e);
        }
        for (Path p : paths) {
            try {
                Files.setAttribute(p, "unix:uid", caller.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", caller.gid(), LinkOption.NOFOLLOW_LINKS);
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                throw handOverFailed(p, caller, e);
            }
        }
    }

    private static VmboxException handOverFailed(Path p, SudoCaller caller, Exception e) {
        return VmboxException.failed("the image was built but " + p + " could not be given to " + caller.user() + ": "
                + e.getMessage(), "run: sudo chown -R " + caller.uid() + ":" + caller.gid() + " " + p, e);
    }
}
