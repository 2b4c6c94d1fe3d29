package dev.vmbox.image;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.Sha256;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The manifest of a tree mmdebstrap built, from what apt verified there, each check done again: the InRelease file in
 * {@code var/lib/apt/lists} is checked with {@code gpgv} and the keyring the build named (its good signatures become
 * the manifest's signers), each Packages index against the SHA256 the signed Release file lists for it, and every
 * installed package (dpkg's status) is looked up by name, version and architecture in those indexes and its kept
 * .deb ({@code var/cache/apt/archives}) hashed and compared. A mismatch anywhere is a SECURITY error naming it; a
 * package of another architecture than the image's is refused too.
 */
public final class AptVerification {
    static final String LISTS = "var/lib/apt/lists";
    static final String ARCHIVES = "var/cache/apt/archives";
    static final String STATUS = "var/lib/dpkg/status";
    private static final Duration GPGV = Duration.ofMinutes(2);
    private static final Set<String> INDEX_FIELDS = Set.of("Package", "Version", "Architecture", "SHA256", "Size", "Filename");

    private final CommandRunner runner;

    public AptVerification(CommandRunner runner) {
        this.runner = runner;
    }

    /** What the build asked for, to be recorded beside what was found. */
    public record Request(String name, String runtime, String runtimePackage, String architecture, String requestedSuite,
                          String mirror, String recipeSha256, ImageManifest.Options options, String vmboxVersion,
                          String built) {
    }

    public ImageManifest manifest(Path root, Request req) {
        Path lists = root.resolve(LISTS);
        Path inRelease = onlyInRelease(lists);
        ImageManifest.Release release;
        Map<String, String> fields;
        try {
            String signed = Files.readString(inRelease, StandardCharsets.UTF_8);
            List<ImageManifest.Signer> signers = signers(inRelease, Path.of(req.options().keyring()));
            fields = Deb822.first(signedBody(signed, inRelease), inRelease.getFileName().toString());
            Map<String, String> hashes = sha256List(fields.getOrDefault("SHA256", ""));
            List<ImageManifest.Index> indexes = new ArrayList<>();
            for (Path index : packageIndexes(lists)) {
                String path = indexPath(index);
                String expected = hashes.get(path);
                String got = Sha256.of(index);
                if (expected == null) {
                    throw new VmboxException(ExitCode.SECURITY, "the package index " + path + " is not listed in the signed Release file",
                            "build the image again from an unaltered mirror");
                }
                if (!expected.equals(got)) {
                    throw new VmboxException(ExitCode.SECURITY, "the package index " + path + " has sha256 " + got + ", the signed Release"
                            + " file says " + expected, "build the image again; the mirror or something on the way altered it");
                }
                indexes.add(new ImageManifest.Index(path, got));
            }
            if (indexes.isEmpty()) {
                throw VmboxException.failed("no package index in " + lists, "build the image again", null);
            }
            release = new ImageManifest.Release(fields.get("Date"), fields.get("Valid-Until"), Sha256.of(inRelease), signers,
                    indexes);
        } catch (IOException e) {
            throw VmboxException.failed("cannot read apt's files in " + lists + ": " + e.getMessage(),
                    "build the image again", e);
        }
        List<ImageManifest.Package> packages = packages(root, lists, req.architecture());
        String runtimeVersion = packages.stream().filter(p -> p.name().equals(req.runtimePackage()))
                .map(ImageManifest.Package::version).findFirst()
                .orElseThrow(() -> VmboxException.failed("the runtime package " + req.runtimePackage()
                        + " is not installed in the image", "build the image again", null));
        return new ImageManifest(ImageManifest.FORMAT, req.name(), req.runtime(),
                new ImageManifest.PackageVersion(req.runtimePackage(), runtimeVersion), req.architecture(),
                fields.get("Suite"), fields.get("Codename"), req.requestedSuite(), req.mirror(), req.built(), null,
                req.vmboxVersion(), req.recipeSha256(), req.options(), release, Map.of(), null, packages);
    }

    /** The one InRelease of a dists/ folder apt fetched (a build uses one suite of one mirror). */
    private static Path onlyInRelease(Path lists) {
        List<Path> found;
        try (Stream<Path> s = Files.list(lists)) {
            found = s.filter(p -> p.getFileName().toString().endsWith("_InRelease")
                    && p.getFileName().toString().contains("_dists_")).sorted().toList();
        } catch (IOException e) {
            throw VmboxException.failed("apt's lists are missing in " + lists + ": " + e.getMessage(),
                    "build the image again", e);
        }
        if (found.size() != 1) {
            throw VmboxException.failed("expected one InRelease file in " + lists + ", found " + found.size(),
                    "build the image from one suite of one mirror", null);
        }
        return found.get(0);
    }

    /** The text an InRelease signs: between the armor header's blank line and the signature block. */
    static String signedBody(String inRelease, Path file) {
        int begin = inRelease.indexOf("-----BEGIN PGP SIGNED MESSAGE-----");
        int sig = inRelease.indexOf("\n-----BEGIN PGP SIGNATURE-----");
        int body = begin < 0 ? -1 : inRelease.indexOf("\n\n", begin);
        if (begin < 0 || sig < 0 || body < 0 || body > sig) {
            throw new VmboxException(ExitCode.SECURITY, file.getFileName() + " is not a clear-signed Release file",
                    "build the image again from Debian's archive");
        }
        return inRelease.substring(body + 2, sig + 1);
    }

    /** The good signatures gpgv finds with {@code keyring}; none, or gpgv refusing, is a SECURITY error. */
    List<ImageManifest.Signer> signers(Path inRelease, Path keyring) {
        CommandResult r = runner.run(Command.of(GPGV, "gpgv", "--status-fd", "1", "--keyring", keyring.toString(),
                inRelease.toString()).allowExitCodes(1, 2));
        List<ImageManifest.Signer> signers = parseGpgvStatus(r.stdout());
        if (r.exitCode() != 0 || signers.isEmpty()) {
            throw new VmboxException(ExitCode.SECURITY, "the Release file " + inRelease.getFileName() + " has no good signature by a key"
                    + " in " + keyring + ": " + r.stderrTail(3), "build the image again from Debian's archive with "
                    + "debian-archive-keyring installed");
        }
        return signers;
    }

    /** gpgv's status lines: each signature's GOODSIG (key id, uid) and VALIDSIG (fingerprints). */
    static List<ImageManifest.Signer> parseGpgvStatus(String status) {
        List<ImageManifest.Signer> out = new ArrayList<>();
        String uid = null;
        for (String line : status.split("\n")) {
            String[] f = line.strip().split(" ", 4);
            if (f.length < 3 || !f[0].equals("[GNUPG:]")) {
                continue;
            }
            switch (f[1]) {
                case "NEWSIG" -> uid = null;
                case "GOODSIG" -> uid = f.length > 3 ? f[3] : null;
                case "VALIDSIG" -> {
                    String[] v = line.strip().split("\\s+");
                    String primary = v.length >= 12 ? v[11] : v[2];
                    if (v[2].matches("[0-9A-F]{40}") && primary.matches("[0-9A-F]{40}")) {
                        out.add(new ImageManifest.Signer(v[2], primary, uid));
                    }
                }
                default -> {
                }
            }
        }
        return out;
    }

    /** The Release file's SHA256 field: {@code path -> hex}. */
    static Map<String, String> sha256List(String field) {
        Map<String, String> out = new HashMap<>();
        for (String line : field.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 3 && f[0].matches("[0-9a-f]{64}")) {
                out.put(f[2], f[0]);
            }
        }
        return out;
    }

    private static List<Path> packageIndexes(Path lists) throws IOException {
        try (Stream<Path> s = Files.list(lists)) {
            List<Path> compressed = new ArrayList<>();
            List<Path> out = s.filter(p -> {
                String n = p.getFileName().toString();
                if (n.contains("_dists_") && n.matches(".*_binary-[a-z0-9]+_Packages\\.(gz|xz|lz4|zst|bz2)")) {
                    compressed.add(p);
                }
                return n.contains("_dists_") && n.matches(".*_binary-[a-z0-9]+_Packages");
            }).sorted().toList();
            if (!compressed.isEmpty()) {
                throw VmboxException.failed("apt kept its package indexes compressed (" + compressed.get(0).getFileName()
                        + "); vmbox reads them uncompressed", "build without Acquire::GzipIndexes", null);
            }
            return out;
        }
    }

    /** {@code host_debian_dists_testing_main_binary-amd64_Packages} -> {@code main/binary-amd64/Packages}. */
    static String indexPath(Path index) {
        String n = index.getFileName().toString();
        String afterDists = n.substring(n.indexOf("_dists_") + "_dists_".length());
        String afterSuite = afterDists.substring(afterDists.indexOf('_') + 1);
        return afterSuite.replace('_', '/');
    }

    private record Key(String name, String version, String architecture) {
    }

    private List<ImageManifest.Package> packages(Path root, Path lists, String architecture) {
        Map<Key, String[]> installed = new HashMap<>();
        Path status = root.resolve(STATUS);
        try (Reader in = Files.newBufferedReader(status, StandardCharsets.UTF_8)) {
            Deb822.read(in, "dpkg's status", f -> {
                if ("install ok installed".equals(f.get("Status"))) {
                    installed.put(new Key(f.get("Package"), f.get("Version"), f.get("Architecture")), null);
                }
                return true;
            }, n -> n.equals("Package") || n.equals("Version") || n.equals("Architecture") || n.equals("Status"));
            for (Path index : packageIndexes(lists)) {
                try (Reader idx = Files.newBufferedReader(index, StandardCharsets.UTF_8)) {
                    Deb822.read(idx, indexPath(index), f -> {
                        Key k = new Key(f.get("Package"), f.get("Version"), f.get("Architecture"));
                        if (installed.containsKey(k) && installed.get(k) == null) {
                            installed.put(k, new String[] {f.get("SHA256"), f.get("Size"), f.get("Filename")});
                        }
                        return true;
                    }, INDEX_FIELDS::contains);
                }
            }
        } catch (IOException e) {
            throw VmboxException.failed("cannot read " + status + " or the package indexes: " + e.getMessage(),
                    "build the image again", e);
        }
        List<ImageManifest.Package> out = new ArrayList<>();
        for (Map.Entry<Key, String[]> e : installed.entrySet()) {
            Key k = e.getKey();
            if (!k.architecture().equals(architecture) && !k.architecture().equals("all")) {
                throw new VmboxException(ExitCode.BAD_INPUT, "the image holds " + k.name() + " for " + k.architecture()
                        + ", not " + architecture, "build the image for one architecture", null);
            }
            String[] entry = e.getValue();
            if (entry == null || entry[0] == null) {
                throw new VmboxException(ExitCode.SECURITY, k.name() + " " + k.version() + " (" + k.architecture() + ") is installed but "
                        + "not in the verified package index", "build the image again from Debian's archive");
            }
            Path deb = debOf(root, k, entry[2]);
            String got = Sha256.of(deb);
            if (!got.equals(entry[0])) {
                throw new VmboxException(ExitCode.SECURITY, "the package " + k.name() + " " + k.version() + " (" + deb.getFileName()
                        + ") has sha256 " + got + ", the verified index says " + entry[0], "build the image again; the "
                        + "mirror or something on the way altered the package");
            }
            long size;
            try {
                size = Files.size(deb);
            } catch (IOException ex) {
                throw VmboxException.failed("cannot read " + deb + ": " + ex.getMessage(), "build the image again", ex);
            }
            out.add(new ImageManifest.Package(k.name(), k.version(), k.architecture(), got, size));
        }
        out.sort(Comparator.comparing(ImageManifest.Package::name).thenComparing(ImageManifest.Package::architecture));
        return out;
    }

    /** apt names a kept .deb {@code NAME_VERSION_ARCH.deb} with the epoch's colon as {@code %3a}. */
    private static Path debOf(Path root, Key k, String filename) {
        Path archives = root.resolve(ARCHIVES);
        Path byApt = archives.resolve(k.name() + "_" + k.version().replace(":", "%3a") + "_" + k.architecture() + ".deb");
        if (Files.isRegularFile(byApt)) {
            return byApt;
        }
        if (filename != null) {
            Path byIndex = archives.resolve(Path.of(filename).getFileName().toString());
            if (Files.isRegularFile(byIndex)) {
                return byIndex;
            }
        }
        throw VmboxException.failed("the .deb of " + k.name() + " " + k.version() + " was not kept in " + archives,
                "build the image again (the recipe keeps apt's cache for the manifest)", null);
    }
}
