package dev.vmbox.image;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.runtime.RuntimeKind;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The runtime images in the image cache: which one a create on libvirt uses for a runtime, and whether an image a
 * create names is a runtime image (it must then serve the runtime asked for, on the guest's architecture).
 */
public final class RuntimeImages {
    private final ImageCache cache;

    public RuntimeImages(ImageCache cache) {
        this.cache = cache;
    }

    /**
     * Every runtime image in the cache (images without a manifest are not runtime images, nor is one whose manifest
     * cannot be read: {@link #get} says why).
     */
    public List<RuntimeImage> all() {
        return cache.list().stream().flatMap(i -> {
            try {
                return RuntimeImage.in(i.name(), cache.folderOf(i.name())).stream();
            } catch (VmboxException unreadable) {
                return java.util.stream.Stream.empty();
            }
        }).toList();
    }

    /** The image {@code name} if it is a runtime image in the cache. */
    public Optional<RuntimeImage> get(String name) {
        return RuntimeImage.in(name, cache.folderOf(name));
    }

    /**
     * The runtime image a create uses for {@code runtime} when none is named: one built for that runtime on the
     * guest's architecture, the default suite's first ({@link RuntimeImageRecipe#SUITES}), then the most recent.
     */
    public Optional<RuntimeImage> forRuntime(RuntimeKind runtime) {
        return all().stream()
                .filter(i -> i.manifest().runtime().equals(runtime.cliName()))
                .filter(i -> i.manifest().architecture().equals(RuntimeImageRecipe.ARCHITECTURE))
                .min(Comparator.comparingInt((RuntimeImage i) -> suiteRank(i.manifest().requestedSuite()))
                        .thenComparing(i -> i.manifest().built() == null ? "" : i.manifest().built(),
                                Comparator.reverseOrder()));
    }

    private static int suiteRank(String suite) {
        int i = RuntimeImageRecipe.SUITES.indexOf(suite);
        return i < 0 ? RuntimeImageRecipe.SUITES.size() : i;
    }

    /**
     * Whether {@code image} was built by this vmbox's recipe: the seed a create writes, the units and scripts it runs in
     * the guest are the recipe's (an image of an older recipe, for one, reads its seed with cloud-init).
     */
    public static boolean current(RuntimeImage image) {
        return image.manifest().recipeSha256().equals(recipeSha256(image));
    }

    private static String recipeSha256(RuntimeImage image) {
        try {
            return new RuntimeImageRecipe(RuntimeKind.parse(image.manifest().runtime()), image.manifest().requestedSuite())
                    .sha256();
        } catch (VmboxException e) {
            return "none (" + image.manifest().runtime() + ")";
        }
    }

    /**
     * Refuses a runtime image a create cannot use: built by another recipe than this vmbox's, made for another runtime,
     * or for another architecture than the guest's ({@link RuntimeImageRecipe#ARCHITECTURE}).
     */
    public static void check(RuntimeImage image, RuntimeKind runtime) {
        String arch = image.manifest().architecture();
        if (!arch.equals(RuntimeImageRecipe.ARCHITECTURE)) {
            throw new VmboxException(ExitCode.BAD_INPUT, "the image " + image.name() + " was built for " + arch
                    + "; vmbox's libvirt guests are x86_64 (" + RuntimeImageRecipe.ARCHITECTURE + ")",
                    "build it on an " + RuntimeImageRecipe.ARCHITECTURE + " host: vmbox image build --runtime "
                            + image.manifest().runtime() + ", or pick another --image");
        }
        if (!image.manifest().runtime().equals(runtime.cliName())) {
            throw VmboxException.badInput("the image " + image.name() + " is the " + image.manifest().runtime()
                    + " runtime image; it has no " + runtime.cliName(), "use --runtime " + image.manifest().runtime()
                    + " with it, or --image " + ImageCache.BUILT_IMAGE + " for " + runtime.cliName());
        }
        if (!current(image)) {
            throw VmboxException.badInput("the image " + image.name() + " was built by another version of vmbox's recipe ("
                    + "recipe sha256 " + image.manifest().recipeSha256().substring(0, 12) + ", this vmbox's "
                    + recipeSha256(image).substring(0, 12) + "): its first boot does not read the seed this vmbox writes",
                    "rebuild it: " + ImageBuilder.BUILD_COMMAND + " --runtime " + image.manifest().runtime() + " --suite "
                            + image.manifest().requestedSuite() + " --rebuild");
        }
    }
}
