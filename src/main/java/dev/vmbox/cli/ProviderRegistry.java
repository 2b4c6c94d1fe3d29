package dev.vmbox.cli;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.instance.ProviderResolver;
import dev.vmbox.provider.Provider;
import java.util.List;
import java.util.Map;

/** Builds the providers vmbox knows, configured from settings or from an instance's record. */
final class ProviderRegistry implements ProviderResolver {
    private final VmboxCommand root;

    ProviderRegistry(VmboxCommand root) {
        this.root = root;
    }

    @Override
    public Provider provider(String id, Map<String, String> ref) {
        throw new VmboxException(ExitCode.UNAVAILABLE, "provider '" + id + "' is not available in this build", null);
    }

    @Override
    public List<Provider> all() {
        return List.of();
    }
}
