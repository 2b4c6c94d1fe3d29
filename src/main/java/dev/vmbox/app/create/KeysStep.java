package dev.vmbox.app.create;

import dev.vmbox.app.instance.InstanceSettings;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.security.SshKeys;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import dev.vmbox.store.SecureFiles;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The instance folder and its record exist from here on (CREATING, locked), with a fresh client key and the guest's
 * host key; the undo removes the folder.
 */
final class KeysStep extends UndoableStep {
    private final InstanceStore store;
    private final CommandRunner runner;
    private final Clock clock;
    private final String vmboxVersion;

    KeysStep(InstanceStore store, CommandRunner runner, Clock clock, String vmboxVersion) {
        super("keys", "instance folder");
        this.store = store;
        this.runner = runner;
        this.clock = clock;
        this.vmboxVersion = vmboxVersion;
    }

    @Override
    public String run(CreateRun run) {
        String modelSha256 = run.payload == null ? null : run.payload.modelSha256();
        store.create(record(run.request, null, modelSha256));
        made();
        run.madeTheFolder = true;
        run.lock = store.lock(run.name(), InstanceStore.DEFAULT_LOCK_WAIT);
        SecureFiles.privateDir(run.files.logsDir());
        run.keys = SshKeys.generate(run.files.sshDir(), run.name(), runner);
        store.write(record(run.request, run.keys.hostKey().publicKey(), modelSha256));
        return "ed25519 client key and pinned host key";
    }

    @Override
    public void undo(CreateRun run) {
        store.deleteFolder(run.name());
    }

    @Override
    public boolean ownsTheInstanceFolder() {
        return true;
    }

    private InstanceRecord record(CreateRequest req, String hostKey, String modelSha256) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put(InstanceSettings.ADMIN_USER, req.adminUser());
        if (hostKey != null) {
            s.put(InstanceSettings.HOST_KEY, hostKey);
        }
        s.put(InstanceSettings.RUNTIME, req.runtimeKind().cliName());
        s.put(InstanceSettings.RUNTIME_PORT, Integer.toString(req.runtime().port()));
        s.put(InstanceSettings.API_BIND, req.api().literal());
        s.put(InstanceSettings.API_PORT, Integer.toString(req.api().port()));
        s.put(InstanceSettings.MODEL, req.modelRef());
        s.put(InstanceSettings.EGRESS, req.spec().egress().cliName());
        s.put(InstanceSettings.CPUS, Integer.toString(req.spec().cpus()));
        s.put(InstanceSettings.MEMORY, req.spec().memory().toString());
        s.put(InstanceSettings.DISK, req.spec().disk().toString());
        s.put(InstanceSettings.IMAGE, req.spec().image());
        s.put(InstanceSettings.GPU, req.spec().gpu().toString());
        if (req.baked()) {
            s.put(InstanceSettings.IMAGE_MANIFEST_SHA256, req.runtimeImage().manifestSha256());
        }
        if (modelSha256 != null) {
            s.put(InstanceSettings.MODEL_SHA256, modelSha256);
        }
        return new InstanceRecord(InstanceRecord.SCHEMA, req.name(), req.chosenProvider().id(), req.provider().ref(),
                InstanceRecord.Phase.CREATING, null, clock.instant(), vmboxVersion, s);
    }
}
