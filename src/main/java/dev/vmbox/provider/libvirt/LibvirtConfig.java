package dev.vmbox.provider.libvirt;

import dev.vmbox.VmboxException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How vmbox talks to libvirt and where it keeps instance disks.
 *
 * @param uri         the libvirt connection URI ({@code qemu:///system} by default; any URI libvirt accepts,
 *                    e.g. {@code qemu+ssh://gpu1/system})
 * @param storageRoot the folder for instance disks, seeds and staged base images. With
 *                    {@code qemu:///system} QEMU runs as the {@code libvirt-qemu} user, which cannot enter a
 *                    0700 home folder, so the default is {@value #SYSTEM_STORAGE}; with
 *                    {@code qemu:///session} QEMU runs as the user and disks stay in VMBOX_HOME/_libvirt.
 * @param virtType    {@link VirtType#AUTO} to ask libvirt (kvm when the host has it, qemu otherwise)
 */
public record LibvirtConfig(String uri, Path storageRoot, VirtType virtType) {
    public static final String DEFAULT_URI = "qemu:///system";
    public static final String SYSTEM_STORAGE = "/var/lib/libvirt/images/vmbox";

    public LibvirtConfig {
        Objects.requireNonNull(storageRoot, "storageRoot");
        Objects.requireNonNull(virtType, "virtType");
        if (uri == null || uri.isBlank()) {
            uri = DEFAULT_URI;
        }
        uri = uri.trim();
        try {
            URI parsed = new URI(uri);
            if (parsed.getScheme() == null || !parsed.getScheme().matches("[a-z0-9+]+")) {
                throw new java.net.URISyntaxException(uri, "no scheme");
            }
        } catch (java.net.URISyntaxException e) {
            throw VmboxException.badInput("not a libvirt connection URI: '" + uri + "'",
                    "use e.g. qemu:///system, qemu:///session or qemu+ssh://user@host/system");
        }
    }

    /** The default configuration for a URI: system storage for system URIs, VMBOX_HOME/_libvirt for session. */
    public static LibvirtConfig defaults(String uri, Path vmboxHome) {
        String u = uri == null || uri.isBlank() ? DEFAULT_URI : uri.trim();
        Path storage = isSession(u) ? vmboxHome.resolve("_libvirt") : Path.of(SYSTEM_STORAGE);
        return new LibvirtConfig(u, storage, VirtType.AUTO);
    }

    public LibvirtConfig withStorageRoot(Path root) {
        return new LibvirtConfig(uri, root, virtType);
    }

    public LibvirtConfig withVirtType(VirtType type) {
        return new LibvirtConfig(uri, storageRoot, type);
    }

    /** True when the URI names this machine (no host part), so local files are the hypervisor's files. */
    public boolean local() {
        return URI.create(uri).getHost() == null && URI.create(uri).getAuthority() == null;
    }

    public boolean session() {
        return isSession(uri);
    }

    private static boolean isSession(String uri) {
        return uri.endsWith("/session");
    }
}
