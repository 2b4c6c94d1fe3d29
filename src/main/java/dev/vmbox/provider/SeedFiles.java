package dev.vmbox.provider;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The NoCloud seed a provider hands to the guest: {@code user-data} and {@code meta-data} in one private folder
 * (0700: the user-data holds the guest's SSH host key). A plan names these paths; the files need not exist until
 * the plan runs. A provider may keep scratch files of the create in this folder (a seed image before its upload,
 * a domain XML before virsh reads it): the folder is removed once the VM is made.
 *
 * @param dir the seed folder
 */
public record SeedFiles(Path dir) {
    public static final String USER_DATA = "user-data";
    public static final String META_DATA = "meta-data";

    public SeedFiles {
        dir = Objects.requireNonNull(dir, "dir").toAbsolutePath();
    }

    public static SeedFiles in(Path dir) {
        return new SeedFiles(dir);
    }

    public Path userData() {
        return dir.resolve(USER_DATA);
    }

    public Path metaData() {
        return dir.resolve(META_DATA);
    }

    /** A scratch file of the create inside the seed folder. */
    public Path scratch(String name) {
        return dir.resolve(name);
    }
}
