package dev.vmbox.cli;

import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.image.CloudImage;
import dev.vmbox.image.ImageBuilder;
import dev.vmbox.image.ImageCache;
import dev.vmbox.image.ImageManifest;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.image.RuntimeImage;
import dev.vmbox.image.RuntimeImageBuilder;
import dev.vmbox.image.RuntimeImageRecipe;
import dev.vmbox.image.RuntimeImages;
import dev.vmbox.image.SudoCaller;
import dev.vmbox.runtime.RuntimeKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Guest images for libvirt: vmbox's own Debian images, built locally (with a runtime baked in, or "
                + "not), and verified cloud images.",
        subcommands = {ImageCommand.Build.class, ImageCommand.ListImages.class, ImageCommand.Inspect.class})
final class ImageCommand implements Runnable {
    /** {@link ImageBuilder#BUILD_COMMAND} as help text: picocli would expand its {@code ${...}} itself. */
    static final String BUILD_COMMAND_TEXT = "sudo env VMBOX_HOME=\"$${VMBOX_HOME:-$HOME/.vmbox}\" vmbox image build";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = {"Build vmbox's minimal Debian 12 image (" + ImageCache.BUILT_IMAGE + ") from Debian's signed "
                    + "packages with mmdebstrap: no third-party image to trust. Needs root, mmdebstrap, e2fsprogs, "
                    + "qemu-utils and access to a Debian mirror; takes about 5 minutes.",
                "",
                "--runtime llama.cpp builds the llama.cpp runtime image instead (vmbox-llama-cpp-SUITE): Debian's "
                        + "llama-server from the suite (testing, the default, or unstable; not stable: newer runtime, "
                        + "slower security fixes), everything first boot does that does not depend on the instance "
                        + "baked in, and a manifest.json beside it (vmbox image inspect). A create on it only uploads "
                        + "the model. An image of the same recipe and options is kept unless --rebuild.",
                "",
                "From a user account: " + ImageCommand.BUILD_COMMAND_TEXT + " (the image then goes to your own vmbox home and "
                        + "is yours; a plain `sudo vmbox image build` is refused, since it would build into root's home)."})
    static final class Build implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--timeout", defaultValue = "40m", description = "Longest the build may take (default ${DEFAULT-VALUE}).")
        String timeout;

        @Option(names = "--runtime", paramLabel = "RUNTIME", description = "Bake a runtime in: llama.cpp (Debian's package).")
        String runtime;

        @Option(names = "--suite", paramLabel = "SUITE", description = "Debian suite of a runtime image: testing (default) "
                + "or unstable.")
        String suite;

        @Option(names = "--mirror", paramLabel = "URL", description = "Debian archive of a runtime image (default "
                + RuntimeImageRecipe.DEFAULT_MIRROR + ").")
        String mirror;

        @Option(names = "--keyring", paramLabel = "FILE", description = "Keyring apt checks the archive's signature with "
                + "(default " + RuntimeImageRecipe.DEFAULT_KEYRING + ").")
        Path keyring;

        @Option(names = "--allow-expired-release", description = "Accept a Release file past its Valid-Until (an old "
                + "snapshot of the archive). Signatures are still checked; the manifest records it.")
        boolean allowExpiredRelease;

        @Option(names = "--rebuild", description = "Build a runtime image even when one of the same recipe and options is there.")
        boolean rebuild;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            if (runtime == null && (suite != null || mirror != null || keyring != null || allowExpiredRelease || rebuild)) {
                throw VmboxException.badInput("--suite, --mirror, --keyring, --allow-expired-release and --rebuild are "
                        + "options of a runtime image", "add --runtime llama.cpp");
            }
            Optional<SudoCaller> owner = ImageBuilder.forWhom(root.environment().env(), SudoCaller.runningAsRoot(),
                    root.home().root());
            if (runtime != null) {
                return buildRuntimeImage(root, owner);
            }
            Progress progress = root.progress();
            progress.plan(List.of("build"));
            Progress.Step step = progress.begin("build");
            step.detail("mmdebstrap " + ImageCache.BUILT_IMAGE + " (several minutes)");
            try {
                ResolvedImage image = new ImageBuilder(root.runner(), root.providers().images(), owner)
                        .build(Durations.parse(timeout, "--timeout"));
                step.done(image.disk().toString());
                root.out().println("built " + image.name() + ": " + image.disk());
                root.out().flush();
                return 0;
            } catch (RuntimeException e) {
                step.fail(e.getMessage());
                throw e;
            }
        }

        private int buildRuntimeImage(VmboxCommand root, Optional<SudoCaller> owner) {
            RuntimeImageRecipe recipe = new RuntimeImageRecipe(RuntimeKind.parse(runtime),
                    suite == null ? RuntimeImageRecipe.DEFAULT_SUITE : suite);
            RuntimeImageBuilder.Options options = new RuntimeImageBuilder.Options(
                    mirror == null ? RuntimeImageRecipe.DEFAULT_MIRROR : mirror,
                    keyring == null ? Path.of(RuntimeImageRecipe.DEFAULT_KEYRING) : keyring, !allowExpiredRelease, rebuild);
            Progress progress = root.progress();
            progress.plan(List.of("build"));
            Progress.Step step = progress.begin("build");
            if (allowExpiredRelease) {
                progress.note("warning: --allow-expired-release: apt accepts a Release file past its Valid-Until; "
                        + "signatures are still checked and the manifest records it");
            }
            try {
                RuntimeImageBuilder.Result r = new RuntimeImageBuilder(root.runner(), root.providers().images(), owner,
                        ManifestVersion.version(), root.environment().clock(), System.getProperty("os.arch"))
                        .build(recipe, options, Durations.parse(timeout, "--timeout"), step::detail);
                RuntimeImage image = r.image();
                step.done(r.built() ? image.describe() : "up to date (same recipe and options)");
                root.out().println((r.built() ? "built " : "up to date: ") + image.name() + ": " + image.describe()
                        + "; manifest " + image.folder().resolve(ImageManifest.FILE) + " (sha256 " + image.manifestSha256() + ")");
                root.out().flush();
                return 0;
            } catch (RuntimeException e) {
                step.fail(e.getMessage());
                throw e;
            }
        }
    }

    /** One row of {@code vmbox image list}. */
    record Row(String name, String state, String runtime, String suite, String path) {
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The images in the cache (with the runtime and "
            + "suite of runtime images), and those vmbox can fetch.")
    static final class ListImages implements Callable<Integer> {
        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            VmboxCommand root = json.root();
            ImageCache cache = root.providers().images();
            Map<String, Row> rows = new LinkedHashMap<>();
            rows.put(ImageCache.BUILT_IMAGE, new Row(ImageCache.BUILT_IMAGE, "not built (vmbox image build)", null, null, null));
            CloudImage.catalog().keySet().forEach(n -> rows.put(n, new Row(n, "not downloaded (fetched and verified on "
                    + "first use)", null, null, null)));
            for (ResolvedImage i : cache.list()) {
                Optional<RuntimeImage> rt = runtimeImage(cache, i.name());
                rows.put(i.name(), new Row(i.name(), "cached", rt.map(r -> r.manifest().runtime()
                        + (r.manifest().runtimePackage() == null ? "" : " " + r.manifest().runtimePackage().version()))
                        .orElse(null), rt.map(r -> r.manifest().suite()).orElse(null), i.disk().toString()));
            }
            if (json.printed(() -> new ArrayList<>(rows.values()))) {
                return 0;
            }
            Table t = new Table("IMAGE", "STATE", "RUNTIME", "SUITE");
            rows.values().forEach(r -> t.row(r.name(), r.path() == null ? r.state() : "cached: " + r.path(),
                    r.runtime() == null ? "-" : r.runtime(), r.suite() == null ? "-" : r.suite()));
            t.print(root.out());
            return 0;
        }

        private static Optional<RuntimeImage> runtimeImage(ImageCache cache, String name) {
            try {
                return RuntimeImage.in(name, cache.folderOf(name));
            } catch (VmboxException unreadable) {
                return Optional.empty();
            }
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Print what an image is made of: a runtime "
            + "image's manifest.json (suite, Release date and signers, every package with the sha256 of its .deb, the "
            + "recipe's hash, the options), else what vmbox knows of its source.")
    static final class Inspect implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "The image's name (vmbox image list).")
        String name;

        @Override
        public Integer call() throws IOException {
            VmboxCommand root = VmboxCommand.of(spec);
            ImageCache cache = root.providers().images();
            Path folder = cache.folderOf(name);
            if (cache.cached(name).isEmpty()) {
                throw VmboxException.notFound("the image " + name + " is not in the cache " + cache.root(),
                        "see the images with: vmbox image list");
            }
            Optional<RuntimeImage> runtime = new RuntimeImages(cache).get(name);
            if (runtime.isPresent()) {
                root.out().print(Files.readString(folder.resolve(ImageManifest.FILE), StandardCharsets.UTF_8));
            } else {
                for (String f : List.of("manifest", "SOURCE")) {
                    if (Files.isRegularFile(folder.resolve(f))) {
                        root.out().print(Files.readString(folder.resolve(f), StandardCharsets.UTF_8));
                    }
                }
            }
            root.out().flush();
            return 0;
        }
    }
}
