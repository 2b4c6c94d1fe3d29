package dev.vmbox.app.create;

import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.TunnelAgent;
import dev.vmbox.provider.Provider;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.store.InstanceStore;

/** Nothing is made before the request is known to be sound: the name is free, the provider can honour it, the port too. */
final class CheckStep implements CreateStep {
    private final InstanceStore store;

    CheckStep(InstanceStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return "check";
    }

    @Override
    public String run(CreateRun run) {
        String name = run.name();
        if (store.exists(name)) {
            throw VmboxException.badInput("an instance named '" + name + "' already exists",
                    "pick another name, or remove it first with: vmbox delete " + name);
        }
        Provider provider = run.provider();
        provider.validate(run.request.spec());
        if (provider.inspect(name).exists()) {
            throw VmboxException.badInput(provider.id() + " already has a VM for '" + name + "' that vmbox has no "
                    + "record of", "remove it with your provider's own tool, or pick another name");
        }
        ApiAddress api = run.request.api();
        TunnelAgent.checkPortFree(api.inetAddress(), api.literal(), api.port());
        return provider.id() + " (" + run.request.provider().reason() + ")";
    }
}
