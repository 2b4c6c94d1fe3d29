package dev.vmbox.cli;

import dev.vmbox.VmboxException;
import dev.vmbox.app.instance.ProviderResolver;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.ProviderProbe;
import dev.vmbox.provider.ProviderSelector;
import dev.vmbox.provider.lima.HostPlatform;
import dev.vmbox.provider.lima.LimaProvider;
import dev.vmbox.provider.libvirt.LibvirtConfig;
import dev.vmbox.provider.libvirt.LibvirtProvider;
import dev.vmbox.image.CloudImage;
import dev.vmbox.image.ImageCache;
import dev.vmbox.image.ImageResolver;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.provider.multipass.MultipassProvider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The providers this build wires, configured from settings (new instances) or from an instance's record
 * (existing ones: e.g. the libvirt URI it was made on). The only place that knows every provider class.
 */
final class ProviderRegistry implements ProviderResolver {
    static final String REF_URI = "uri";

    private final VmboxCommand root;

    ProviderRegistry(VmboxCommand root) {
        this.root = root;
    }

    /** Every provider, with {@code runner} (a dry-run runner prints instead of running), libvirt at {@code uri}. */
    Map<String, Provider> build(CommandRunner runner, String libvirtUri) {
        Map<String, Provider> m = new LinkedHashMap<>();
        for (String id : IDS) {
            m.put(id, one(id, runner, libvirtUri));
        }
        return m;
    }

    /** The ids of the providers this build wires, in the order a new instance tries them on Linux. */
    static final List<String> IDS = List.of("libvirt", "lima", "multipass");

    /** One provider, built alone (so listing a libvirt instance never makes the others); null for an unknown id. */
    private Provider one(String id, CommandRunner runner, String libvirtUri) {
        return switch (id) {
            case "libvirt" -> libvirt(runner, libvirtUri);
            case "lima" -> new LimaProvider(runner, root.executables(), root.log(), HostPlatform.current());
            case "multipass" -> new MultipassProvider(runner, root.executables(), root.log());
            default -> null;
        };
    }

    /**
     * libvirt at {@code uri}. Its image cache (which holds an HTTP client) and GPU planner are made when a
     * create first asks for them, so reading a VM's state costs neither.
     */
    LibvirtProvider libvirt(CommandRunner runner, String uri) {
        return new LibvirtProvider(runner, root.log(), LibvirtConfig.defaults(uri, root.home().root()),
                new ImagesOnFirstUse(), request -> root.gpuPlanner().plan(request), root.environment().systemRoot());
    }

    /** The image cache, made when an image is first asked for (every method of ImageResolver delegates). */
    private final class ImagesOnFirstUse implements ImageResolver {
        @Override
        public ResolvedImage resolve(String imageName) {
            return images().resolve(imageName);
        }

        @Override
        public Optional<ResolvedImage> cached(String imageName) {
            return images().cached(imageName);
        }
    }

    ImageCache images() {
        return new ImageCache(root.home().root(), root.downloader(), root.downloadCache(), CloudImage.catalog(),
                java.time.Duration.ofMinutes(60));
    }

    List<ProviderProbe> probes() {
        return List.copyOf(build(root.runner(), root.config().get("libvirt.uri")).values());
    }

    /** The provider for a new instance: --provider, VMBOX_PROVIDER, the config, then the OS's natural order. */
    ProviderSelector.Choice<Provider> select(String flag, CommandRunner runner, String libvirtUri) {
        return ProviderSelector.select(flag, root.environment().env().get("VMBOX_PROVIDER"),
                root.config().get("provider"), root.environment().osName(), build(runner, libvirtUri));
    }

    /** What the record keeps to find the VM again. */
    static Map<String, String> reference(String providerId, String libvirtUri) {
        return "libvirt".equals(providerId) ? Map.of(REF_URI, libvirtUri) : Map.of();
    }

    @Override
    public Provider provider(String id, Map<String, String> ref) {
        String uri = "libvirt".equals(id) ? ref.getOrDefault(REF_URI, null) : null;
        if ("libvirt".equals(id) && uri == null) {
            uri = root.config().get("libvirt.uri");
        }
        Provider p = one(id, root.runner(), uri);
        if (p == null) {
            throw VmboxException.badInput("the instance was made with provider '" + id + "', which this vmbox does not know",
                    "use the vmbox version that made it");
        }
        return p;
    }

    @Override
    public List<Provider> all() {
        return List.copyOf(build(root.runner(), root.config().get("libvirt.uri")).values());
    }
}
