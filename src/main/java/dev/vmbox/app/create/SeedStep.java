package dev.vmbox.app.create;

import dev.vmbox.cloudinit.CloudInitComposer;
import dev.vmbox.cloudinit.GuestSpec;
import dev.vmbox.cloudinit.MetaData;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The cloud-config rendered from typed values into the private seed folder; the guest's host private key then lives
 * only in it (it is removed once the provider made the VM).
 */
final class SeedStep implements CreateStep {
    /** systemd TasksMax of the runtime's unit. */
    private static final int TASKS_MAX = 4096;

    @Override
    public String name() {
        return "seed";
    }

    @Override
    public String run(CreateRun run) throws IOException {
        CreateRequest req = run.request;
        GuestSpec guest = new GuestSpec(req.name(), req.name(), req.adminUser(), run.keys.clientPublicKey(), run.keys.hostKey(),
                req.runtimeKind(), req.runtime().port(), req.spec().egress(), req.gpuKind(), req.runtime().memoryMax(), TASKS_MAX,
                req.modelRef());
        Path seed = SecureFiles.privateDir(run.files.seedDir());
        SecureFiles.writeAtomically(seed.resolve("user-data"),
                CloudInitComposer.renderUserData(guest).getBytes(StandardCharsets.UTF_8));
        SecureFiles.writeAtomically(seed.resolve("meta-data"), CloudInitComposer.renderMetaData(guest,
                MetaData.freshInstanceId(req.name())).getBytes(StandardCharsets.UTF_8));
        Files.deleteIfExists(run.keys.hostPrivateKey());
        return String.join(" + ", CloudInitComposer.fragments(guest));
    }
}
