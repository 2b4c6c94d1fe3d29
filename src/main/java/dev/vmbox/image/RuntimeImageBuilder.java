package dev.vmbox.image;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.Sha256;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.wait.Deadline;
import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code vmbox image build --runtime llama.cpp}: builds a runtime image ({@link RuntimeImageRecipe}) into the image
 * cache. The recipe's script makes the root tree with mmdebstrap (apt checks every package against the signed
 * Release file, with the keyring named here), vmbox writes the manifest from what apt verified
 * ({@link AptVerification}), the script turns the tree into the disk, and the finished folder replaces the old one
 * in one rename. An image already built from the same recipe with the same options is kept (the build is skipped)
 * unless {@code rebuild}. Whatever fails, the build's work folder is removed: nothing half-made stays behind.
 */
public final class RuntimeImageBuilder {
    public static final String DISK_SIZE = "3G";
    private static final Duration LOCK_WAIT = Duration.ofMinutes(60);

    /**
     * What the build is told.
     *
     * @param mirror          Debian's archive ({@value RuntimeImageRecipe#DEFAULT_MIRROR} by default)
     * @param keyring         the keyring apt checks the Release file's signature with
     * @param checkValidUntil false only with {@code --allow-expired-release} (recorded in the manifest)
     * @param rebuild         build even when an image of the same recipe and options is there
     */
    public record Options(String mirror, Path keyring, boolean checkValidUntil, boolean rebuild) {
        public Options {
            URI u;
            try {
                u = URI.create(mirror);
            } catch (IllegalArgumentException e) {
                throw VmboxException.badInput("invalid mirror URL '" + mirror + "'", "give an http(s) URL such as "
                        + RuntimeImageRecipe.DEFAULT_MIRROR);
            }
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                    || u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null
                    || !mirror.matches("[A-Za-z0-9:/._~%+-]+")) {
                throw VmboxException.badInput("invalid mirror URL '" + mirror + "'", "give an http(s) URL without "
                        + "credentials, query or spaces, such as " + RuntimeImageRecipe.DEFAULT_MIRROR);
            }
            keyring = keyring.toAbsolutePath().normalize();
            if (!Files.isRegularFile(keyring)) {
                throw new VmboxException(ExitCode.UNAVAILABLE, "the keyring " + keyring + " is missing",
                        "install Debian's archive keyring: sudo apt-get install debian-archive-keyring");
            }
        }

        public static Options defaults() {
            return new Options(RuntimeImageRecipe.DEFAULT_MIRROR, Path.of(RuntimeImageRecipe.DEFAULT_KEYRING), true, false);
        }
    }

    /**
     * What a build did.
     *
     * @param image the image (built now or kept)
     * @param built false when an image of the same recipe and options was already there
     */
    public record Result(RuntimeImage image, boolean built) {
    }

    private final CommandRunner runner;
    private final ImageCache cache;
    private final Optional<SudoCaller> owner;
    private final String vmboxVersion;
    private final Clock clock;
    private final String hostArchitecture;

    /**
     * @param owner            the sudo caller the image is handed to, if any ({@link ImageBuilder#forWhom})
     * @param hostArchitecture {@code os.arch} of this JVM ({@code amd64} on x86_64 Linux)
     */
    public RuntimeImageBuilder(CommandRunner runner, ImageCache cache, Optional<SudoCaller> owner, String vmboxVersion,
                               Clock clock, String hostArchitecture) {
        this.runner = runner;
        this.cache = cache;
        this.owner = owner;
        this.vmboxVersion = vmboxVersion;
        this.clock = clock;
        this.hostArchitecture = hostArchitecture;
    }

    public Result build(RuntimeImageRecipe recipe, Options options, Duration timeout, Consumer<String> detail) {
        if (!hostArchitecture.equals("amd64") && !hostArchitecture.equals("x86_64")) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "vmbox builds runtime images for " + RuntimeImageRecipe.ARCHITECTURE
                    + " guests (libvirt's x86_64 domains); this host is " + hostArchitecture,
                    "build the image on an x86_64 host");
        }
        Deadline deadline = Deadline.in(timeout);
        String name = recipe.imageName();
        Path folder = cache.folderOf(name);
        List<Path> made;
        try {
            made = ImageCache.createPrivateDirectories(cache.root());
        } catch (IOException e) {
            throw VmboxException.failed("cannot make the image cache " + cache.root() + ": " + e.getMessage(),
                    "check permissions and free space of the vmbox home folder", e);
        }
        String recipeSha = recipe.sha256();
        try (FileChannel lockFile = FileChannel.open(cache.root().resolve("." + name + ".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lock(lockFile, name, deadline, detail)) {
            if (!options.rebuild()) {
                Optional<RuntimeImage> current = upToDate(name, folder, recipeSha, options, detail);
                if (current.isPresent()) {
                    return new Result(current.get(), false);
                }
            }
            RuntimeImage image = buildInto(recipe, options, recipeSha, folder, deadline, detail);
            if (owner.isPresent()) {
                ImageBuilder.handOver(made, folder, owner.get());
            }
            return new Result(image, true);
        } catch (IOException e) {
            throw VmboxException.failed("cannot build in " + cache.root() + ": " + e.getMessage(),
                    "check permissions and free space of the vmbox home folder", e);
        }
    }

    private static FileLock lock(FileChannel channel, String name, Deadline deadline, Consumer<String> detail) {
        return Poll.until("the build lock of " + name, () -> {
            try {
                FileLock l = channel.tryLock();
                if (l == null) {
                    throw new NotReady("another vmbox builds " + name);
                }
                return l;
            } catch (IOException e) {
                throw new NotReady(e.getMessage());
            }
        }).every(Duration.ofSeconds(2)).onWait((seen, waited) -> detail.accept("waiting: " + seen))
                .onTimeout(ExitCode.IN_USE, "another vmbox is building " + name)
                .timeoutHint("wait for it to finish, then run the build again")
                .await(deadline.remaining("the image build", LOCK_WAIT));
    }

    /** The image in the cache when it was built from this recipe with these options and its files are intact. */
    private Optional<RuntimeImage> upToDate(String name, Path folder, String recipeSha, Options options,
                                            Consumer<String> detail) {
        Optional<RuntimeImage> current;
        try {
            current = RuntimeImage.in(name, folder);
        } catch (VmboxException unreadable) {
            return Optional.empty();
        }
        if (current.isEmpty()) {
            return Optional.empty();
        }
        ImageManifest m = current.get().manifest();
        boolean same = recipeSha.equals(m.recipeSha256()) && options.mirror().equals(m.mirror())
                && options.checkValidUntil() == m.options().checkValidUntil()
                && options.keyring().toString().equals(m.options().keyring());
        if (!same) {
            return Optional.empty();
        }
        detail.accept("checking the files of " + name);
        for (Map.Entry<String, String> f : m.files().entrySet()) {
            Path p = folder.resolve(f.getKey());
            if (!Files.isRegularFile(p) || !Sha256.of(p).equals(f.getValue())) {
                return Optional.empty();
            }
        }
        return m.files().isEmpty() ? Optional.empty() : current;
    }

    private RuntimeImage buildInto(RuntimeImageRecipe recipe, Options options, String recipeSha, Path folder,
                                   Deadline deadline, Consumer<String> detail) throws IOException {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        Path work = Files.createTempDirectory(cache.root(), ".build-" + recipe.imageName() + ".",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            recipe.writeBaked(Files.createDirectory(work.resolve("baked")));
            Path script = work.resolve("build-runtime-image");
            Files.writeString(script, RuntimeImageRecipe.script(), StandardCharsets.UTF_8);
            detail.accept("mmdebstrap " + recipe.suite() + " from " + options.mirror() + " (a few minutes)");
            phase(recipe, options, deadline, "sh", script.toString(), "root", work.toString(), recipe.suite(),
                    options.mirror(), options.keyring().toString(), options.checkValidUntil() ? "yes" : "no");
            detail.accept("the manifest, from what apt verified");
            ImageManifest manifest = new AptVerification(runner).manifest(work.resolve("rootfs"),
                    new AptVerification.Request(recipe.imageName(), recipe.runtime().cliName(), recipe.runtimePackage(),
                            RuntimeImageRecipe.ARCHITECTURE, recipe.suite(), options.mirror(), recipeSha,
                            new ImageManifest.Options(options.checkValidUntil(), options.keyring().toString()),
                            vmboxVersion, started.truncatedTo(ChronoUnit.SECONDS).toString()));
            detail.accept("the disk");
            phase(recipe, options, deadline, "sh", script.toString(), "disk", work.toString(), DISK_SIZE);
            Path out = work.resolve("out");
            Map<String, String> files = sums(out.resolve("SHA256SUMS"));
            long tree = Long.parseLong(Files.readString(work.resolve("tree-kib")).strip()) * 1024;
            manifest = manifest.withFiles(files, new ImageManifest.Sizes(tree, Files.size(out.resolve(ResolvedImage.DISK))),
                    Duration.ofNanos(System.nanoTime() - t0).toSeconds());
            Files.write(out.resolve(ImageManifest.FILE), manifest.toJson());
            Files.setPosixFilePermissions(out.resolve(ImageManifest.FILE), PosixFilePermissions.fromString("rw-r--r--"));
            replace(out, folder);
            return RuntimeImage.in(recipe.imageName(), folder).orElseThrow(() -> VmboxException.failed(
                    "the build finished but left no image in " + folder, "run the build again with --debug", null));
        } finally {
            ImageCache.deleteTree(work);
        }
    }

    private void phase(RuntimeImageRecipe recipe, Options options, Deadline deadline, String... argv) {
        try {
            runner.run(Command.of(deadline.remaining("the image build"), argv));
        } catch (CommandFailedException e) {
            throw failure(recipe, options, e.exitCodeOfCommand(), e.result().stderr(), e);
        }
    }

    /** The script's exit code and its last lines (mmdebstrap's and apt's own words) as one clear error. */
    static VmboxException failure(RuntimeImageRecipe recipe, Options options, int rc, String stderr, Exception cause) {
        String why = aptLine(stderr);
        return switch (rc) {
            case 3 -> new VmboxException(ExitCode.UNAVAILABLE, "the runtime image cannot be built here: " + why,
                    "run it as root (" + ImageBuilder.BUILD_COMMAND + " --runtime " + recipe.runtime().cliName()
                            + ") with mmdebstrap, e2fsprogs, qemu-utils and debian-archive-keyring installed", cause);
            case 4 -> VmboxException.badInput("the suite " + recipe.suite() + " has no " + recipe.runtimePackage()
                    + " (" + why + ")", "llama.cpp is in Debian's testing and unstable suites: --suite testing or "
                    + "--suite unstable");
            case 6 -> why.contains("expired") || why.contains("not valid yet")
                    ? new VmboxException(ExitCode.SECURITY, "apt refused the archive's Release file: " + why,
                    "the Release file's Valid-Until has passed (a defence against freeze attacks). If you trust "
                            + options.mirror() + " to serve an old snapshot, build with --allow-expired-release (its "
                            + "signature is still checked, and the manifest records the option)", cause)
                    : new VmboxException(ExitCode.SECURITY, "apt refused what " + options.mirror() + " served: " + why,
                    "nothing was built. The mirror, a proxy or the network altered the archive; build again from "
                            + "Debian's archive (--mirror)", cause);
            default -> VmboxException.failed("the runtime image build failed: " + why,
                    "run it again with --debug; check network access to " + options.mirror() + " and free disk space",
                    cause);
        };
    }

    /** The line that says why: apt's first error, else the last line. */
    static String aptLine(String stderr) {
        List<String> lines = stderr.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        for (String l : lines) {
            String lower = l.toLowerCase(Locale.ROOT);
            if (l.startsWith("E: ") && !lower.contains("mmdebstrap failed") && !lower.contains("apt-get update --error")
                    && !lower.contains("setup failed")) {
                return l.substring(3);
            }
        }
        return lines.isEmpty() ? "no output" : lines.get(lines.size() - 1);
    }

    private static Map<String, String> sums(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.strip().split("\\s+", 2);
            if (f.length == 2 && f[0].matches("[0-9a-f]{64}")) {
                out.put(f[1].startsWith("*") ? f[1].substring(1) : f[1], f[0]);
            }
        }
        return out;
    }

    /** Puts {@code staged} in place of {@code folder} (the old image, if any, goes only once the new one is there). */
    private static void replace(Path staged, Path folder) throws IOException {
        Path old = folder.resolveSibling("." + folder.getFileName() + ".old");
        ImageCache.deleteTree(old);
        if (Files.exists(folder, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.move(folder, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(staged, folder, StandardCopyOption.ATOMIC_MOVE);
        ImageCache.deleteTree(old);
    }
}
