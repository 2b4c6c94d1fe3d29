package dev.vmbox.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A folder of fake programs (shell scripts) to put first on PATH in tests. */
public final class FakeBin {
    private final Path dir;

    public FakeBin(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Writes an executable script {@code name} with the given body (a #!/bin/sh line is added). */
    public FakeBin script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return this;
    }

    /** A PATH holding only this folder: any other program counts as not installed. */
    public String path() {
        return dir.toString();
    }

    /** A PATH with this folder first, then the system's own folders. */
    public String pathWithSystem() {
        return dir + ":/usr/bin:/bin:/usr/sbin:/sbin";
    }
}
