package dev.vmbox.app.instance;

import dev.vmbox.provider.Provider;
import java.util.List;
import java.util.Map;

/** A {@link ProviderResolver} for tests: every instance is on {@code provider}, the only one there is. */
record OneProvider(Provider provider) implements ProviderResolver {
    @Override
    public Provider provider(String id, Map<String, String> ref) {
        return provider;
    }

    @Override
    public List<Provider> all() {
        return List.of(provider);
    }
}
