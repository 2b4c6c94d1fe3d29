package dev.vmbox.cloudinit;

import dev.vmbox.exec.CommandRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A rendered NoCloud seed for one guest: user-data, meta-data and the fresh instance id in it. The
 * one call most callers need: {@code Seed.of(spec).writeImage(path, runner, timeout)}.
 *
 * <p>The user-data holds the guest's SSH host private key: treat it as a secret ({@link #toString()}
 * does not show it).
 */
public record Seed(String instanceId, String userData, String metaData) {
    public Seed {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(userData, "userData");
        Objects.requireNonNull(metaData, "metaData");
    }

    /** Renders the seed for {@code spec} with a fresh instance id. */
    public static Seed of(GuestSpec spec) {
        return of(spec, MetaData.freshInstanceId(spec.instanceName()));
    }

    /** Renders the seed for {@code spec} with a given instance id (e.g. to rebuild an instance's seed). */
    public static Seed of(GuestSpec spec, String instanceId) {
        return new Seed(instanceId, CloudInitComposer.renderUserData(spec),
                CloudInitComposer.renderMetaData(spec, instanceId));
    }

    /** Writes the seed image (ISO 9660, label cidata, mode 0600); returns the tool that made it. */
    public String writeImage(Path image, CommandRunner runner, Duration timeout) {
        return new SeedImageBuilder(runner).build(image, userData, metaData, timeout);
    }

    @Override
    public String toString() {
        return "Seed[instanceId=" + instanceId + ", userData=(" + userData.length() + " characters, secret)]";
    }
}
