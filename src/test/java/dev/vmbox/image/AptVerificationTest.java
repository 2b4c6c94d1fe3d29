package dev.vmbox.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.Sha256;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifest's checks on a tiny apt tree (fixtures/apt, signed with a TEST-ONLY key): real {@code gpgv}, the index
 * against the signed Release file, every installed package's .deb against the index; each tampering is refused.
 */
class AptVerificationTest {
    static final String FINGERPRINT = "11E0838A1EDF7994610F03A2F46DF3163695F2F7";
    static final String LISTS = "var/lib/apt/lists/";
    static final String INDEX = LISTS + "deb.example_debian_dists_testing_main_binary-amd64_Packages";
    static final String IN_RELEASE = LISTS + "deb.example_debian_dists_testing_InRelease";

    @TempDir
    Path tmp;
    Path root;
    Path keyring;
    final AptVerification verification = new AptVerification(new ZtExecCommandRunner(EventLog.NONE,
            Executables.fromEnvironment(System.getenv())));

    @BeforeEach
    void copyFixture() throws IOException, URISyntaxException {
        Path fixture = Path.of(AptVerificationTest.class.getResource("/fixtures/apt").toURI());
        keyring = fixture.resolve("TEST-ONLY-archive-keyring.gpg");
        root = tmp.resolve("root");
        try (Stream<Path> s = Files.walk(fixture.resolve("root"))) {
            for (Path p : s.toList()) {
                Path target = root.resolve(fixture.resolve("root").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private AptVerification.Request request(Path keyringFile) {
        return new AptVerification.Request("vmbox-llama-cpp-testing", "llama.cpp", "llama.cpp-tools", "amd64", "testing",
                "http://deb.example/debian", "ab".repeat(32), new ImageManifest.Options(false, keyringFile.toString()),
                "0.1.0", "2026-12-01T00:00:00Z");
    }

    @Test
    void recordsTheSignersTheReleaseAndEveryInstalledPackageWithItsVerifiedHash() {
        ImageManifest m = verification.manifest(root, request(keyring));
        assertEquals("testing", m.suite());
        assertEquals("forky", m.codename());
        assertEquals("Fri, 30 Oct 2026 08:08:01 UTC", m.release().date());
        assertEquals("Fri, 06 Nov 2026 08:08:01 UTC", m.release().validUntil());
        assertEquals(Sha256.of(root.resolve(IN_RELEASE)), m.release().inReleaseSha256());
        assertEquals(List.of(new ImageManifest.Signer(FINGERPRINT, FINGERPRINT,
                "vmbox TEST-ONLY archive key <test-only@vmbox.invalid>")), m.release().signers());
        assertEquals(List.of(new ImageManifest.Index("main/binary-amd64/Packages", Sha256.of(root.resolve(INDEX)))),
                m.release().indexes());
        assertEquals(List.of("base-files", "llama.cpp-tools", "tzdata"), m.packages().stream().map(ImageManifest.Package::name)
                .toList(), "installed packages only (a removed one with config files left is not)");
        ImageManifest.Package llama = m.packages().get(1);
        assertEquals("1:0.7.0+dfsg-2", llama.version());
        assertEquals("amd64", llama.architecture());
        assertEquals(Sha256.of(root.resolve("var/cache/apt/archives/llama.cpp-tools_1%3a0.7.0+dfsg-2_amd64.deb")),
                llama.sha256());
        assertEquals("all", m.packages().get(2).architecture());
        assertEquals(new ImageManifest.PackageVersion("llama.cpp-tools", "1:0.7.0+dfsg-2"), m.runtimePackage());
        assertEquals(false, m.options().checkValidUntil());
        assertEquals("ab".repeat(32), m.recipeSha256());
    }

    @Test
    void theManifestReadsBackAsWritten() throws IOException {
        ImageManifest m = verification.manifest(root, request(keyring));
        Path folder = Files.createDirectories(tmp.resolve("image"));
        Files.write(folder.resolve(ImageManifest.FILE), m.toJson());
        assertEquals(m, ImageManifest.in(folder).orElseThrow());
        assertTrue(new String(m.toJson(), StandardCharsets.UTF_8).contains("\"checkValidUntil\" : false"));
    }

    @Test
    void aReleaseSignedByAKeyOutsideTheKeyringIsRefused() {
        Path debian = Path.of("/usr/share/keyrings/debian-archive-keyring.gpg");
        assumeTrue(Files.isRegularFile(debian), "debian-archive-keyring is not installed");
        VmboxException e = assertThrows(VmboxException.class, () -> verification.manifest(root, request(debian)));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().contains("has no good signature by a key in " + debian), e.getMessage());
    }

    @Test
    void anAlteredReleaseFailsItsSignature() throws IOException {
        Path in = root.resolve(IN_RELEASE);
        Files.writeString(in, Files.readString(in).replace("Codename: forky", "Codename: forkz"));
        VmboxException e = assertThrows(VmboxException.class, () -> verification.manifest(root, request(keyring)));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().contains("no good signature"), e.getMessage());
    }

    @Test
    void anIndexThatDiffersFromTheSignedHashIsRefused() throws IOException {
        Files.writeString(root.resolve(INDEX), "Package: sneaked-in\n", StandardOpenOption.APPEND);
        VmboxException e = assertThrows(VmboxException.class, () -> verification.manifest(root, request(keyring)));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().startsWith("the package index main/binary-amd64/Packages has sha256"), e.getMessage());
    }

    @Test
    void aPackageThatFailsItsChecksumIsRefusedByName() throws IOException {
        Files.writeString(root.resolve("var/cache/apt/archives/base-files_14_amd64.deb"), "altered");
        VmboxException e = assertThrows(VmboxException.class, () -> verification.manifest(root, request(keyring)));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().startsWith("the package base-files 14 (base-files_14_amd64.deb) has sha256"),
                e.getMessage());
    }

    @Test
    void anInstalledPackageTheIndexDoesNotHaveIsRefused() throws IOException {
        Files.writeString(root.resolve("var/lib/dpkg/status"), "\nPackage: from-elsewhere\nStatus: install ok installed\n"
                + "Architecture: amd64\nVersion: 9\n", StandardOpenOption.APPEND);
        VmboxException e = assertThrows(VmboxException.class, () -> verification.manifest(root, request(keyring)));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().contains("from-elsewhere 9 (amd64) is installed but not in the verified package index"),
                e.getMessage());
    }

    @Test
    void aPackageOfAnotherArchitectureIsRefused() throws IOException {
        Files.writeString(root.resolve("var/lib/dpkg/status"), "\nPackage: foreign\nStatus: install ok installed\n"
                + "Architecture: arm64\nVersion: 1\n", StandardOpenOption.APPEND);
        VmboxException e = assertThrows(VmboxException.class, () -> verification.manifest(root, request(keyring)));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("holds foreign for arm64, not amd64"), e.getMessage());
    }

    @Test
    void aDebThatWasNotKeptIsAnError() throws IOException {
        Files.delete(root.resolve("var/cache/apt/archives/tzdata_2026a-1_all.deb"));
        VmboxException e = assertThrows(VmboxException.class, () -> verification.manifest(root, request(keyring)));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("the .deb of tzdata 2026a-1 was not kept"), e.getMessage());
    }

    @Test
    void readsGpgvStatusOfTwoSignatures() {
        String status = """
                [GNUPG:] NEWSIG
                [GNUPG:] KEY_CONSIDERED B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8 0
                [GNUPG:] GOODSIG 6ED0E7B82643E131 Debian Archive Automatic Signing Key (12/bookworm) <ftpmaster@debian.org>
                [GNUPG:] VALIDSIG 4CB50190207B4758A3F73A796ED0E7B82643E131 2026-10-30 1793347681 0 4 0 1 10 01 B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8
                [GNUPG:] NEWSIG
                [GNUPG:] GOODSIG 78DBA3BC47EF2265 Debian Archive Automatic Signing Key (13/trixie) <ftpmaster@debian.org>
                [GNUPG:] VALIDSIG B8E5F13176D2A7A75220028078DBA3BC47EF2265 2026-10-30 1793347681 0 4 0 1 10 01 04B54C3CDCA79751B16BC6B5225629DF75B188BD
                """;
        assertEquals(List.of(
                new ImageManifest.Signer("4CB50190207B4758A3F73A796ED0E7B82643E131", "B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8",
                        "Debian Archive Automatic Signing Key (12/bookworm) <ftpmaster@debian.org>"),
                new ImageManifest.Signer("B8E5F13176D2A7A75220028078DBA3BC47EF2265", "04B54C3CDCA79751B16BC6B5225629DF75B188BD",
                        "Debian Archive Automatic Signing Key (13/trixie) <ftpmaster@debian.org>")),
                AptVerification.parseGpgvStatus(status));
        assertEquals(List.of(), AptVerification.parseGpgvStatus("[GNUPG:] BADSIG 6ED0E7B82643E131 someone\n"));
    }

    @Test
    void namesIndexesAsTheReleaseFileDoes() {
        assertEquals("main/binary-amd64/Packages", AptVerification.indexPath(Path.of(
                "127.0.0.1:8080_debian_dists_testing_main_binary-amd64_Packages")));
    }
}
