package dev.vmbox.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The two seed formats: what goes onto the disk, and no cloud-init file asked of a runtime image's seed. */
class SeedFilesTest {
    @Test
    void eachFormatNamesItsOwnFilesAndAnImageSeedHasNoCloudInitFiles() {
        Path dir = Path.of("/seed");
        assertEquals(List.of(dir.resolve("user-data"), dir.resolve("meta-data")), SeedFiles.in(dir).files());
        SeedFiles image = SeedFiles.forImage(dir);
        assertEquals(List.of(dir.resolve("sysusers.conf"), dir.resolve("tmpfiles.conf")), image.files());
        assertEquals(ExitCode.INTERNAL, assertThrows(VmboxException.class, image::userData).exitCode());
        assertEquals(ExitCode.INTERNAL, assertThrows(VmboxException.class, image::metaData).exitCode());
    }
}
