package dev.vmbox.image;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.cloudinit.Fragments;
import dev.vmbox.cloudinit.GuestLayout;
import dev.vmbox.cloudinit.UserData;
import dev.vmbox.cloudinit.WriteFile;
import dev.vmbox.download.Sha256;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.EgressPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The recipe of a runtime image: the build script shipped in the jar ({@value #SCRIPT}) and the files it bakes in,
 * taken at build time from the cloud-init fragments, so {@code cloud-init/} stays the one source of every file vmbox
 * puts into a guest: the {@code write_files} of {@code base/base.yaml}, of every {@code egress/*.yaml} (their
 * rulesets; of the policies' {@code active.nft} only the sealed one: the image boots sealed) and of the runtime's
 * image fragment {@code image/<runtime>.yaml} (its unit, system user, cloud-init and sshd settings, the smaller
 * initramfs). Its hash covers the script and every baked file (path, owner, mode, content): an image whose manifest
 * carries the same hash was built from the same recipe.
 *
 * @param runtime the runtime the image serves (only llama.cpp has one: Debian packages it)
 * @param suite   Debian's suite to build from ({@code testing} or {@code unstable} carry llama.cpp)
 */
public record RuntimeImageRecipe(RuntimeKind runtime, String suite) {
    static final String SCRIPT = "/dev/vmbox/image/build-runtime-image";
    /** The suites that carry llama.cpp (and the libc6 it needs): the default first. */
    public static final List<String> SUITES = List.of("testing", "unstable");
    public static final String DEFAULT_SUITE = "testing";
    /** The architecture of the image: libvirt's guests are x86_64 domains. */
    public static final String ARCHITECTURE = "amd64";
    public static final String DEFAULT_MIRROR = "http://deb.debian.org/debian";
    public static final String DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

    /** Whether {@code runtime} has a runtime image recipe (Debian packages it). */
    public static boolean available(RuntimeKind runtime) {
        return runtime == RuntimeKind.LLAMA_CPP;
    }

    public RuntimeImageRecipe {
        if (!available(runtime)) {
            throw VmboxException.badInput("there is no runtime image for " + runtime.cliName()
                    + ": only llama.cpp is packaged by Debian", "use --runtime llama.cpp");
        }
        if (suite == null || !suite.matches("[a-z][a-z0-9-]{1,31}")) {
            throw VmboxException.badInput("invalid suite '" + suite + "'", "use --suite testing or --suite unstable");
        }
    }

    /** The image's name in the cache: {@code vmbox-llama-cpp-testing}. */
    public String imageName() {
        return imageName(runtime, suite);
    }

    public static String imageName(RuntimeKind runtime, String suite) {
        return "vmbox-" + runtime.slug() + "-" + suite;
    }

    /** The package that brings the runtime (the manifest records its version). */
    public String runtimePackage() {
        return "llama.cpp-tools";
    }

    /** The runtime's image fragment, relative to {@code cloud-init/}. */
    public String imageFragment() {
        return "image/" + runtime.slug() + ".yaml";
    }

    /** The build script's text. */
    public static String script() {
        try (InputStream in = RuntimeImageRecipe.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new VmboxException(ExitCode.INTERNAL, "the runtime image recipe is missing from vmbox.jar", "rebuild vmbox");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot read the runtime image recipe: " + e.getMessage(),
                    "rebuild vmbox", e);
        }
    }

    /** Every file the image gets from the fragments, by path. */
    public List<WriteFile> bakedFiles() {
        List<String> fragments = new ArrayList<>();
        fragments.add(Fragments.BASE);
        for (EgressPolicy p : EgressPolicy.values()) {
            fragments.add("egress/" + p.cliName() + ".yaml");
        }
        fragments.add(imageFragment());
        String active = GuestLayout.EGRESS_DIR + "/active.nft";
        UserData all = UserData.empty();
        for (String f : fragments) {
            UserData d = Fragments.load(f);
            boolean sealed = f.equals("egress/" + EgressPolicy.SEALED.cliName() + ".yaml");
            List<WriteFile> keep = d.writeFiles() == null ? List.of()
                    : d.writeFiles().stream().filter(w -> sealed || !w.path().equals(active)).toList();
            all = all.merge(new UserData(null, null, null, null, null, null, null, null, null, null, null, null, null, keep,
                    null, null), "cloud-init/" + f);
        }
        // cloud-init's own settings (base.yaml keeps the host key on a cloud-init guest): the image has no cloud-init
        List<WriteFile> files = new ArrayList<>(all.writeFiles().stream().filter(w -> !w.path().startsWith("/etc/cloud/"))
                .toList());
        for (WriteFile w : files) {
            if (w.owner() != null && !w.owner().equals("root:root") || w.encoding() != null || w.content() == null
                    || w.permissions() == null || !w.permissions().matches("0[0-7]{3}")) {
                throw new VmboxException(ExitCode.INTERNAL, "the fragment file " + w.path() + " cannot be baked into an "
                        + "image (root-owned plain text with a 0NNN mode only)", "fix the fragment in cloud-init/");
            }
        }
        files.sort(Comparator.comparing(WriteFile::path));
        return List.copyOf(files);
    }

    /** The recipe's hash: the script and every baked file (path, owner, mode, content). */
    public String sha256() {
        StringBuilder all = new StringBuilder("vmbox runtime image recipe 1\n").append(script());
        for (WriteFile w : bakedFiles()) {
            all.append('\0').append(w.path()).append('\0').append(w.owner()).append('\0').append(w.permissions())
                    .append('\0').append(w.content());
        }
        all.append('\0').append(runtimePackage()).append('\0').append(ARCHITECTURE);
        return Sha256.of(all.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Lays the baked files out under {@code dir} as they go into the guest (folders 0755, each file its mode). */
    public void writeBaked(Path dir) throws IOException {
        for (WriteFile w : bakedFiles()) {
            Path target = dir.resolve(w.path().substring(1)).normalize();
            if (!target.startsWith(dir)) {
                throw new VmboxException(ExitCode.INTERNAL, "the fragment file " + w.path() + " leaves the image root",
                        "fix the fragment in cloud-init/");
            }
            Files.createDirectories(target.getParent());
            Files.writeString(target, w.content(), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(target, mode(w.permissions()));
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isDirectory).toList()) {
                Files.setPosixFilePermissions(p, mode("0755"));
            }
        }
    }

    static Set<PosixFilePermission> mode(String octal) {
        int m = Integer.parseInt(octal, 8);
        Set<PosixFilePermission> out = java.util.EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((m & (1 << i)) != 0) {
                out.add(bits[i]);
            }
        }
        return out;
    }
}
