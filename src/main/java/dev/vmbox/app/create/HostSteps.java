package dev.vmbox.app.create;

import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.TunnelAgent;
import dev.vmbox.cloudinit.CloudInitComposer;
import dev.vmbox.cloudinit.ImageSeed;
import dev.vmbox.cloudinit.GuestSpec;
import dev.vmbox.cloudinit.MetaData;
import dev.vmbox.cloudinit.RuntimeArgs;
import dev.vmbox.cloudinit.ProviderLogin;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.PortClaims;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The steps on the host before the VM exists, that make nothing to undo: check, fetch and seed. */
final class HostSteps {
    /** systemd TasksMax of the runtime's unit. */
    private static final int TASKS_MAX = 4096;

    private final InstanceStore store;
    private final PayloadSource payloads;

    HostSteps(InstanceStore store, PayloadSource payloads) {
        this.store = store;
        this.payloads = payloads;
    }

    CreateStep check() {
        return CreateStep.of("check", this::check);
    }

    CreateStep fetch() {
        return CreateStep.of("fetch", this::fetch);
    }

    CreateStep seed() {
        return CreateStep.of("seed", HostSteps::seed);
    }

    /** Nothing is made before the request is known to be sound: the name is free, the provider can honour it, the port too. */
    private String check(CreateRun run) {
        String name = run.name();
        CreateRequests.requireNameFree(store, name);
        Provider provider = run.provider();
        provider.validate(run.request.spec());
        if (provider.inspect(name).exists()) {
            throw VmboxException.badInput(provider.id() + " already has a VM for '" + name + "' that vmbox has no "
                    + "record of", "remove it with your provider's own tool, or pick another name");
        }
        ApiAddress api = run.request.api();
        // checked and claimed under one host-wide lock: a create started at the same time gets IN_USE, not a race;
        // the claim lasts until this create ends (CreateFlow), by when the tunnel holds the port
        new PortClaims(store.home()).claim(api.literal(), api.port(), name,
                () -> TunnelAgent.checkPortFree(api.inetAddress(), api.literal(), api.port()));
        return provider.id() + " (" + run.request.provider().reason() + ")";
    }

    /** The runtime and the model, on the host, verified (what it staged is cleaned up by the flow). */
    private String fetch(CreateRun run) {
        run.payload = payloads.fetch(run.request, run.step);
        run.notes.addAll(run.payload.notes());
        run.modelName = run.payload.modelName();
        return run.payload.modelName() + ", runtime " + run.payload.runtimeVersion();
    }

    /**
     * The seed rendered from typed values into the private seed folder (cloud-config, or on a runtime image the
     * systemd files of {@link ImageSeed}); the guest's host private key then lives only in it (the provision step
     * removes it once the provider made the VM).
     */
    private static String seed(CreateRun run) throws IOException {
        CreateRequest req = run.request;
        Provider provider = run.provider();
        // the provider's own login (Lima's host agent, Multipass's daemon) stays open in the guest's sshd; none on libvirt
        ProviderLogin login = provider.ownSshUser().map(u -> ProviderLogin.of(provider.id(), u)).orElse(ProviderLogin.NONE);
        GuestSpec guest = new GuestSpec(req.name(), req.name(), req.adminUser(), run.keys.clientPublicKey(), run.keys.hostKey(),
                req.runtimeKind(), req.runtime().port(), req.spec().egress(), req.gpuKind(), req.runtime().memoryMax(),
                TASKS_MAX, req.modelRef(), login);
        Path seed = SecureFiles.privateDir(run.files.seedDir());
        if (req.baked()) {
            ImageSeed image = ImageSeed.of(guest, new RuntimeArgs(req.runtime().contextTokens(), req.spec().cpus(),
                    run.modelName));
            SecureFiles.writeAtomically(seed.resolve(SeedFiles.SYSUSERS), image.sysusers().getBytes(StandardCharsets.UTF_8));
            SecureFiles.writeAtomically(seed.resolve(SeedFiles.TMPFILES), image.tmpfiles().getBytes(StandardCharsets.UTF_8));
        } else {
            SecureFiles.writeAtomically(seed.resolve(SeedFiles.USER_DATA),
                    CloudInitComposer.renderUserData(guest).getBytes(StandardCharsets.UTF_8));
            SecureFiles.writeAtomically(seed.resolve(SeedFiles.META_DATA), CloudInitComposer.renderMetaData(guest,
                    MetaData.freshInstanceId(req.name())).getBytes(StandardCharsets.UTF_8));
        }
        Files.deleteIfExists(run.keys.hostPrivateKey());
        if (req.baked()) {
            return "per-instance parts only, for systemd in the image (" + req.runtimeImage().name() + " has the rest)";
        }
        return String.join(" + ", CloudInitComposer.fragments(guest));
    }
}
