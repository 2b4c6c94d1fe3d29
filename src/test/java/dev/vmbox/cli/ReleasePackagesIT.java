package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.testing.E2ePrerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release as a user gets it: scripts/release builds the tarball and the .deb from the packaged jar; each is
 * installed into a clean root (a fresh PREFIX; {@code dpkg --root} on a folder with its own empty dpkg database,
 * so this machine's packages are untouched), the installed vmbox runs with no Java on PATH and no JAVA_HOME,
 * {@code man vmbox-create} reads the installed page, and removing it leaves the root as it was.
 * Run by failsafe after {@code package} in every {@code mvn verify} (execution release-packages).
 */
class ReleasePackagesIT {
    private static final Path REPO = E2ePrerequisites.repo();
    private static final String TEST = "ReleasePackagesIT";
    private static String version;

    @TempDir
    static Path tmp;
    static Path noJavaBin;

    @BeforeAll
    static void buildTheRelease() throws Exception {
        for (String tool : List.of("jlink", "jdeps", "asciidoctor", "dpkg-deb", "dpkg-shlibdeps", "dpkg", "man", "ruby")) {
            if (run(REPO, Map.of(), "sh", "-c", "command -v " + tool).code() != 0) {
                E2ePrerequisites.missing(TEST, tool + " is not installed (scripts/test installs what the release needs)");
            }
        }
        Result r = run(REPO, Map.of(), "bash", "scripts/release", "--no-build");
        assertEquals(0, r.code(), r.toString());
        version = run(REPO, Map.of(), "java", "-jar", "target/vmbox.jar", "--version").out().lines().findFirst()
                .orElseThrow().replace("vmbox ", "");
        noJavaBin = noJavaPath();
    }

    @Test
    void everyArtefactHasAMatchingChecksum() throws Exception {
        for (String f : List.of("vmbox-" + version + "-linux-x64.tar.gz", "vmbox-" + version + ".tar.gz",
                "vmbox_" + version + "_amd64.deb")) {
            assertTrue(Files.isRegularFile(REPO.resolve("target").resolve(f)), f);
            Result check = run(REPO.resolve("target"), Map.of(), "sha256sum", "-c", f + ".sha256");
            assertEquals(0, check.code(), check.toString());
        }
        Result list = run(REPO, Map.of(), "tar", "-tzf", "target/vmbox-" + version + "-linux-x64.tar.gz");
        String top = "vmbox-" + version + "-linux-x64/";
        for (String f : List.of("install", "uninstall", "bin/vmbox", "lib/vmbox/vmbox.jar", "lib/vmbox/runtime/bin/java",
                "share/man/man1/vmbox.1.gz", "share/man/man1/vmbox-create.1.gz", "share/man/man1/vmbox-tunnel-start.1.gz",
                "share/bash-completion/completions/vmbox", "share/doc/vmbox/LICENSE")) {
            assertTrue(list.out().lines().anyMatch((top + f)::equals), f + " missing from the tarball");
        }
    }

    @Test
    void theTarballInstallsRunsWithoutSystemJavaAndUninstallsLeavingNothing() throws Exception {
        Path unpacked = Files.createDirectories(tmp.resolve("tar-x"));
        Result untar = run(unpacked, Map.of(), "tar", "-xzf",
                REPO.resolve("target/vmbox-" + version + "-linux-x64.tar.gz").toString());
        assertEquals(0, untar.code(), untar.toString());
        Path prefix = Files.createDirectories(tmp.resolve("prefix"));
        Files.writeString(prefix.resolve("already-here"), "a file of someone else's");
        Files.createDirectories(prefix.resolve("share/man"));
        TreeSet<String> before = tree(prefix);

        Result install = run(unpacked, clean(), unpacked.resolve("vmbox-" + version + "-linux-x64/install").toString(),
                "--prefix", prefix.toString());
        assertEquals(0, install.code(), install.toString());
        TreeSet<String> installed = tree(prefix);
        installed.removeAll(before);
        List<String> manifest = Files.readAllLines(prefix.resolve("lib/vmbox/manifest"));
        for (String p : installed) {
            assertTrue(p.equals("lib/vmbox/manifest") || manifest.stream().anyMatch(l -> l.endsWith(" " + p)),
                    p + " is installed but not in the manifest");
        }
        assertFalse(manifest.contains("d share/man"), "a folder that was there is not the install's");

        usable(prefix.resolve("bin/vmbox"), prefix.resolve("lib/vmbox/runtime"), prefix.resolve("share/man"));

        Result uninstall = run(tmp, clean(), prefix.resolve("lib/vmbox/uninstall").toString());
        assertEquals(0, uninstall.code(), uninstall.toString());
        assertEquals(before, tree(prefix), "the uninstall leaves the prefix as it was");
    }

    @Test
    void theDebInstallsIntoItsOwnRootRunsWithoutSystemJavaAndPurgesLeavingNothing() throws Exception {
        Path deb = REPO.resolve("target/vmbox_" + version + "_amd64.deb");
        Result depends = run(REPO, Map.of(), "dpkg-deb", "-f", deb.toString(), "Depends", "Recommends");
        assertEquals(0, depends.code(), depends.toString());
        for (String pkg : List.of("libc6", "zlib1g", "libvirt-clients", "qemu-utils", "cloud-image-utils", "openssh-client",
                "mmdebstrap", "qemu-system-x86", "libvirt-daemon-system")) {
            assertTrue(depends.out().contains(pkg), pkg + " in " + depends.out());
        }
        assertFalse(depends.out().contains("java") || depends.out().contains("jre"), "no Java dependency: " + depends.out());
        Result hostBefore = run(REPO, Map.of(), "dpkg-query", "-W", "vmbox");

        Path root = tmp.resolve("deb-root");
        for (String d : List.of("info", "updates", "triggers")) {
            Files.createDirectories(root.resolve("var/lib/dpkg").resolve(d));
        }
        Files.writeString(root.resolve("var/lib/dpkg/status"), "");
        Files.writeString(root.resolve("var/lib/dpkg/available"), "");
        TreeSet<String> before = outsideDpkgDatabase(root);
        List<String> dpkg = List.of("dpkg", "--root=" + root, "--force-not-root", "--log=/dev/null");

        Result install = run(tmp, Map.of(), concat(dpkg, "--force-depends", "-i", deb.toString()));
        assertEquals(0, install.code(), install.toString());
        usable(root.resolve("usr/bin/vmbox"), root.resolve("usr/lib/vmbox/runtime"), root.resolve("usr/share/man"));

        Result purge = run(tmp, Map.of(), concat(dpkg, "--purge", "vmbox"));
        assertEquals(0, purge.code(), purge.toString());
        assertEquals(before, outsideDpkgDatabase(root), "the purge leaves the root as it was");
        assertEquals(hostBefore.code(), run(REPO, Map.of(), "dpkg-query", "-W", "vmbox").code(),
                "this machine's dpkg database is untouched");
    }

    @Test
    void theHomebrewFormulaIsValidRubyForTheRuntimeLessTarball() throws Exception {
        Path formula = REPO.resolve("target/homebrew/vmbox.rb");
        Result syntax = run(REPO, Map.of(), "ruby", "-c", formula.toString());
        assertEquals(0, syntax.code(), syntax.toString());
        assertEquals(0, run(REPO, Map.of(), "ruby", "-c", "packaging/homebrew/vmbox.rb").code());
        String text = Files.readString(formula);
        String sum = Files.readString(REPO.resolve("target/vmbox-" + version + ".tar.gz.sha256")).split(" ")[0];
        assertTrue(text.contains("sha256 \"" + sum + "\""), text);
        assertTrue(text.contains("/vmbox-" + version + ".tar.gz\""), text);
        assertTrue(text.contains("depends_on \"lima\"") && text.contains("depends_on \"openjdk\""), text);
        assertFalse(text.contains("@"), "every placeholder filled: " + text);
        Result list = run(REPO, Map.of(), "tar", "-tzf", "target/vmbox-" + version + ".tar.gz");
        assertFalse(list.out().contains("/runtime/"), "the Homebrew tarball uses Homebrew's Java");
    }

    /** The installed vmbox with no Java on PATH and no JAVA_HOME: its own runtime, doctor's JSON, its man page. */
    private static void usable(Path vmbox, Path runtime, Path manRoot) throws Exception {
        Map<String, String> env = clean();
        env.put("VMBOX_JAVA_OPTS", "-XshowSettings:properties");
        Result v = run(tmp, env, vmbox.toString(), "--version");
        assertEquals(0, v.code(), v.toString());
        assertTrue(v.out().startsWith("vmbox " + version + "\n"), v.toString());
        assertTrue(v.err().contains("java.home = " + runtime), "runs on its own runtime: " + v.err());

        Result doctor = run(tmp, clean(), vmbox.toString(), "doctor", "--json");
        assertTrue(doctor.code() == 0 || doctor.code() == 3, doctor.toString());
        JsonNode d = new ObjectMapper().readTree(doctor.out());
        assertTrue(d.get("checks").size() > 3, doctor.out());

        Result config = run(tmp, clean(), vmbox.toString(), "config", "list"); // YAML on the trimmed runtime
        assertEquals(0, config.code(), config.toString());
        Result modules = run(tmp, clean(), runtime.resolve("bin/java").toString(), "--list-modules");
        assertTrue(modules.out().contains("jdk.crypto.ec@"), "SSH's ed25519 and curve25519: " + modules.out());

        Map<String, String> manEnv = clean();
        manEnv.put("MANPATH", manRoot.toString());
        Result man = run(tmp, manEnv, "man", "-P", "cat", "vmbox-create");
        assertEquals(0, man.code(), man.toString());
        assertTrue(man.out().contains("vmbox-create - Make a VM sized for the model"), man.out());
        Result page = run(tmp, clean(), "man", "-P", "cat", "-l", manRoot.resolve("man1/vmbox-tunnel-start.1.gz").toString());
        assertEquals(0, page.code(), page.toString());
        assertTrue(page.out().contains("VMBOX-TUNNEL-START(1)"), page.out());
    }

    /** PATH with /usr/bin and /bin less every program that is a Java (checked: no java on it), HOME of its own. */
    private static Map<String, String> clean() {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", noJavaBin.toString());
        env.put("HOME", tmp.resolve("home").toString());
        env.put("VMBOX_HOME", tmp.resolve("vmbox-home").toString());
        env.put("LANG", "C.UTF-8");
        return env;
    }

    private static Path noJavaPath() throws IOException, InterruptedException {
        Path bin = Files.createDirectories(tmp.resolve("no-java-bin"));
        for (String dir : List.of("/usr/bin", "/bin")) {
            try (Stream<Path> s = Files.list(Path.of(dir))) {
                for (Path p : s.toList()) {
                    Path link = bin.resolve(p.getFileName().toString());
                    if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            && !p.toRealPath().toString().contains("/jvm/")) {
                        Files.createSymbolicLink(link, p);
                    }
                }
            } catch (IOException e) {
                // a dangling alternative: not a program anyone here runs
            }
        }
        Files.createDirectories(tmp.resolve("home"));
        Map<String, String> env = new HashMap<>();
        env.put("PATH", bin.toString());
        Result java = run(tmp, env, bin.resolve("sh").toString(), "-c", "command -v java");
        assertTrue(java.code() != 0 && java.out().isEmpty(), "no java on " + bin + ": " + java);
        return bin;
    }

    private static TreeSet<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> root.relativize(p).toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    private static TreeSet<String> outsideDpkgDatabase(Path root) throws IOException {
        TreeSet<String> t = tree(root);
        t.removeIf(p -> p.startsWith("var/lib/dpkg/"));
        return t;
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(List.of(b));
        return l;
    }

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private static Result run(Path dir, Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        return run(dir, env, List.of(cmd));
    }

    private static Result run(Path dir, Map<String, String> env, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        if (!env.isEmpty()) {
            pb.environment().clear();
            pb.environment().putAll(env);
        }
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
