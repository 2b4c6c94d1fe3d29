package dev.vmbox.app.instance;

import dev.vmbox.provider.Provider;
import java.util.List;
import java.util.Map;

/** Gives the provider that holds an instance (e.g. libvirt at the URI it was made on). */
public interface ProviderResolver {
    /** The provider {@code id} configured with what the instance's record remembers ({@code ref}, e.g. a URI). */
    Provider provider(String id, Map<String, String> ref);

    /** Every provider this host could hold instances on, for cleaning up after an unreadable record. */
    List<Provider> all();
}
