package dev.vmbox.provider.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Finding 4 of issue 15, played as the attacker: another local user ({@code nobody}, through {@code setpriv}) tries,
 * as fast as it can, to open the seed (it holds the guest's SSH host private key) while creates run against the fake
 * {@code virsh} with the real {@code cloud-localds}, on {@code qemu:///system}, where the instance folder is 0711 at a
 * path anyone can guess. It must never open it: not while cloud-localds writes it, not once it is in place.
 */
class LibvirtSeedPrivacyTest extends FakeLibvirtHost {
    private static final int CREATES = 6;

    /** Tries to open every path given until a file named "stop" appears beside the first; prints what it opened. */
    private static final String READER = String.join("\n",
            "import os, sys, time",
            "stop, paths = sys.argv[1], sys.argv[2:]",
            "tries, opened, end = 0, set(), time.time() + 120",
            "while not os.path.exists(stop) and time.time() < end:",
            "    for p in paths:",
            "        tries += 1",
            "        try:",
            "            fd = os.open(p, os.O_RDONLY)",
            "            opened.add(p + ' ' + str(len(os.read(fd, 1 << 20))))",
            "            os.close(fd)",
            "        except OSError:",
            "            pass",
            "print('TRIES %d' % tries)",
            "for o in sorted(opened):",
            "    print('OPENED ' + o)",
            "");

    @Test
    void anotherUserRacingTheSeedsCreationNeverOpensIt() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "!!! needs root and setpriv to play another user -- SKIPPING LibvirtSeedPrivacyTest");
        // the attacker may pass through the folders down to the storage root, as on a real host (/var/lib/libvirt/images)
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Path reader = tmp.resolve("reader.py");
        Files.writeString(reader, READER);
        Files.setPosixFilePermissions(reader, PosixFilePermissions.fromString("rw-r--r--"));
        Path stop = tmp.resolve("stop");
        List<String> argv = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "--no-new-privs", "/usr/bin/python3", reader.toString(), stop.toString()));
        for (int i = 0; i < CREATES; i++) {
            Path dir = storage.resolve("race" + i);
            argv.addAll(List.of(dir.resolve(LocalDisks.SEED).toString(),
                    dir.resolve(LocalDisks.SEED_WORK).resolve(LocalDisks.SEED).toString()));
        }
        Process attacker = new ProcessBuilder(argv).redirectErrorStream(true).start();
        try {
            LibvirtProvider p = provider();
            for (int i = 0; i < CREATES; i++) {
                create(p, spec("race" + i), seedDir, Duration.ofMinutes(1));
                Path seed = storage.resolve("race" + i).resolve(LocalDisks.SEED);
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(seed)));
                assertTrue(Files.size(seed) > 0);
                assertFalse(Files.exists(seed.resolveSibling(LocalDisks.SEED_WORK)), "the private folder is gone");
            }
        } finally {
            Files.writeString(stop, "");
            assertTrue(attacker.waitFor(60, TimeUnit.SECONDS), "the reader stops");
        }
        String seen = new String(attacker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(seen.startsWith("TRIES "), seen);
        assertTrue(Long.parseLong(seen.lines().findFirst().orElseThrow().substring(6).strip()) > 1000,
                "the reader kept trying all along: " + seen);
        assertFalse(seen.contains("OPENED"), "another user opened the seed: " + seen);
    }

    @Test
    void cloudLocaldsKeepsItsCopyOfTheUserDataInThePrivateFolder() throws IOException {
        // cloud-localds copies the user-data into $TMPDIR while it works: that is the private folder, not /tmp
        var cmd = LibvirtCli.seedImage(tmp.resolve("x/seed.img"), dev.vmbox.provider.SeedFiles.in(seedDir), tmp.resolve("x"));
        assertEquals(tmp.resolve("x").toString(), cmd.env().get("TMPDIR"));
    }
}
