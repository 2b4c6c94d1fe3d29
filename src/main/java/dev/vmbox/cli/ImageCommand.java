package dev.vmbox.cli;

import dev.vmbox.app.progress.Progress;
import dev.vmbox.image.CloudImage;
import dev.vmbox.image.ImageBuilder;
import dev.vmbox.image.ImageCache;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.image.SudoCaller;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Guest images for libvirt: vmbox's own Debian image, built locally, and verified cloud images.",
        subcommands = {ImageCommand.Build.class, ImageCommand.ListImages.class})
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
                "From a user account: " + ImageCommand.BUILD_COMMAND_TEXT + " (the image then goes to your own vmbox home and "
                        + "is yours; a plain `sudo vmbox image build` is refused, since it would build into root's home)."})
    static final class Build implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--timeout", defaultValue = "40m", description = "Longest the build may take (default ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() {
            VmboxCommand root = VmboxCommand.of(spec);
            Optional<SudoCaller> owner = ImageBuilder.forWhom(root.environment().env(), SudoCaller.runningAsRoot(),
                    root.home().root());
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
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The images in the cache, and those vmbox can fetch.")
    static final class ListImages implements Callable<Integer> {
        @Mixin
        JsonOption json;

        @Override
        public Integer call() {
            VmboxCommand root = json.root();
            ImageCache cache = root.providers().images();
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put(ImageCache.BUILT_IMAGE, "not built (vmbox image build)");
            CloudImage.catalog().keySet().forEach(n -> rows.put(n, "not downloaded (fetched and verified on first use)"));
            for (ResolvedImage i : cache.list()) {
                rows.put(i.name(), "cached: " + i.disk());
            }
            if (json.printed(() -> rows)) {
                return 0;
            }
            Table t = new Table("IMAGE", "STATE");
            rows.forEach(t::row);
            t.print(root.out());
            return 0;
        }
    }
}
