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
import dev.vmbox.provider.multipass.MultipassProvider;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        m.put("libvirt", libvirt(runner, libvirtUri));
        m.put("lima", new LimaProvider(runner, root.executables(), root.log(), HostPlatform.current()));
        m.put("multipass", new MultipassProvider(runner, root.executables(), root.log()));
        return m;
    }

    LibvirtProvider libvirt(CommandRunner runner, String uri) {
        return new LibvirtProvider(runner, root.log(), LibvirtConfig.defaults(uri, root.home().root()), images(),
                root.gpuPlanner(), root.environment().systemRoot());
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
        String uri = ref.getOrDefault(REF_URI, root.config().get("libvirt.uri"));
        Provider p = build(root.runner(), uri).get(id);
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
