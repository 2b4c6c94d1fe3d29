package dev.vmbox.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What is inside a runtime image, written next to it as {@value #FILE} when it is built: the archive it came from
 * (suite, the Release file's dates and signers, the indexes apt used), every installed package with the sha256 of
 * the .deb apt verified, the recipe's hash and the options of the build. vmbox records the sha256 of this file in
 * every instance made from the image ({@code vmbox status NAME --json}).
 *
 * @param format         {@value #FORMAT}
 * @param name           the image's name in the cache ({@code vmbox-llama-cpp-testing})
 * @param runtime        the runtime it serves ({@code llama.cpp})
 * @param runtimePackage the package that brings the runtime, and its version
 * @param architecture   Debian's architecture of every package ({@code amd64}; {@code all} packages aside)
 * @param suite          the Release file's Suite ({@code testing})
 * @param codename       its Codename ({@code forky})
 * @param requestedSuite the suite the build asked for
 * @param mirror         the archive's URL
 * @param built          when (UTC, ISO-8601)
 * @param buildSeconds   how long the build took
 * @param vmboxVersion   the vmbox that built it
 * @param recipeSha256   the recipe's hash: the build script and every file baked in ({@link RuntimeImageRecipe})
 * @param options        what the build was told
 * @param release        the signed Release file apt checked
 * @param files          sha256 of the image's files (disk, kernel, initrd, command line)
 * @param sizes          the root tree and the disk file, in bytes
 * @param packages       every installed package, by name
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"format", "name", "runtime", "runtimePackage", "architecture", "suite", "codename", "requestedSuite",
        "mirror", "built", "buildSeconds", "vmboxVersion", "recipeSha256", "options", "release", "files", "sizes", "packages"})
public record ImageManifest(int format, String name, String runtime, PackageVersion runtimePackage, String architecture,
                            String suite, String codename, String requestedSuite, String mirror, String built,
                            Long buildSeconds, String vmboxVersion, String recipeSha256, Options options, Release release,
                            Map<String, String> files, Sizes sizes, List<Package> packages) {
    public static final String FILE = "manifest.json";
    public static final int FORMAT = 1;

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public ImageManifest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(recipeSha256, "recipeSha256");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(release, "release");
        files = files == null ? Map.of() : Map.copyOf(new java.util.TreeMap<>(files));
        packages = List.copyOf(packages == null ? List.of() : packages);
    }

    /**
     * @param checkValidUntil whether apt refused a Release file past its Valid-Until (false only when the build was
     *                        told so: {@code --allow-expired-release})
     * @param keyring         the keyring apt and gpgv checked the Release file's signature with
     */
    @JsonPropertyOrder({"checkValidUntil", "keyring"})
    public record Options(boolean checkValidUntil, String keyring) {
    }

    /** A package and its version. */
    @JsonPropertyOrder({"name", "version"})
    public record PackageVersion(String name, String version) {
    }

    /**
     * @param date            the Release file's Date
     * @param validUntil      its Valid-Until (null when it has none)
     * @param inReleaseSha256 sha256 of the signed InRelease file
     * @param signers         the keys that made its good signatures, as gpgv reported them
     * @param indexes         the package indexes apt used, each checked against the Release file's SHA256 list
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"date", "validUntil", "inReleaseSha256", "signers", "indexes"})
    public record Release(String date, String validUntil, String inReleaseSha256, List<Signer> signers, List<Index> indexes) {
        public Release {
            signers = List.copyOf(signers);
            indexes = List.copyOf(indexes);
        }
    }

    /**
     * @param fingerprint        the signing (sub)key
     * @param primaryFingerprint its primary key
     * @param uid                the key's user id
     */
    @JsonPropertyOrder({"fingerprint", "primaryFingerprint", "uid"})
    public record Signer(String fingerprint, String primaryFingerprint, String uid) {
    }

    /** A package index and its sha256 (equal to the Release file's). */
    @JsonPropertyOrder({"path", "sha256"})
    public record Index(String path, String sha256) {
    }

    /** The root tree as built and the disk file, in bytes. */
    @JsonPropertyOrder({"treeBytes", "diskBytes"})
    public record Sizes(long treeBytes, long diskBytes) {
    }

    /** One installed package: the sha256 and size of its .deb as the verified index names them and the file had. */
    @JsonPropertyOrder({"name", "version", "architecture", "sha256", "size"})
    public record Package(String name, String version, String architecture, String sha256, long size) {
    }

    /** The version of an installed package, if it is installed. */
    public Optional<String> versionOf(String packageName) {
        return packages.stream().filter(p -> p.name().equals(packageName)).map(Package::version).findFirst();
    }

    public ImageManifest withFiles(Map<String, String> imageFiles, Sizes imageSizes, long seconds) {
        return new ImageManifest(format, name, runtime, runtimePackage, architecture, suite, codename, requestedSuite, mirror,
                built, seconds, vmboxVersion, recipeSha256, options, release, imageFiles, imageSizes, packages);
    }

    public byte[] toJson() {
        try {
            return (JSON.writeValueAsString(this) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot write an image manifest: " + e.getMessage(), null, e);
        }
    }

    /** The manifest in an image folder; empty when there is none (images that are not runtime images). */
    public static Optional<ImageManifest> in(Path folder) {
        Path file = folder.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            if (Files.size(file) > 16L << 20) {
                throw new IOException("larger than 16 MiB");
            }
            ImageManifest m = JSON.readValue(file.toFile(), ImageManifest.class);
            if (m.format() != FORMAT) {
                throw new IOException("format " + m.format() + ", this vmbox reads format " + FORMAT);
            }
            return Optional.of(m);
        } catch (IOException | RuntimeException e) {
            throw VmboxException.failed("the image manifest " + file + " cannot be read: " + e.getMessage(),
                    "build the image again: vmbox image build --rebuild ...", e);
        }
    }
}
