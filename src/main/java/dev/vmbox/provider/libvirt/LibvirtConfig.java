package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.ssh.JumpHost;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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
        Path storage = isSession(u) ? vmboxHome.resolve(dev.vmbox.store.FileNames.LIBVIRT_SESSION_DIR)
                : Path.of(SYSTEM_STORAGE);
        return new LibvirtConfig(u, storage, VirtType.AUTO);
    }

    public LibvirtConfig withStorageRoot(Path root) {
        return new LibvirtConfig(uri, root, virtType);
    }

    /** True when the URI names this machine (no host part), so local files are the hypervisor's files. */
    public boolean local() {
        return URI.create(uri).getHost() == null && URI.create(uri).getAuthority() == null;
    }

    /**
     * The host a VM on a remote libvirt is reached through, as libvirt's ssh transport reaches it (same user,
     * port, {@code keyfile} and {@code command}); empty for a local URI.
     *
     * @throws VmboxException for a remote URI whose transport is not SSH (vmbox needs SSH to that host to
     *                        reach the guest's forwarded port), or one that turns host-key checks off
     */
    public Optional<JumpHost> jumpHost() {
        if (local()) {
            return Optional.empty();
        }
        URI u = URI.create(uri);
        String scheme = u.getScheme();
        String transport = scheme.contains("+") ? scheme.substring(scheme.indexOf('+') + 1) : "tls";
        if (!transport.equals("ssh") && !transport.equals("libssh") && !transport.equals("libssh2")) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "vmbox reaches VMs on another host over SSH to that host, "
                    + "and " + uri + " uses the " + transport + " transport",
                    "use an SSH URI such as qemu+ssh://user@host/system");
        }
        Map<String, String> params = queryParameters(u.getRawQuery());
        if (isTrue(params.get("no_verify"))) {
            throw new VmboxException(ExitCode.SECURITY, uri + " turns off the host-key check of the libvirt host "
                    + "(no_verify); vmbox will not reach a VM through a host it has not verified",
                    "remove no_verify and add the host to known_hosts (ssh " + u.getRawAuthority() + " true)");
        }
        String verify = params.get("known_hosts_verify");
        if (verify != null && !verify.equals("normal")) {
            throw new VmboxException(ExitCode.SECURITY, uri + " relaxes the host-key check of the libvirt host "
                    + "(known_hosts_verify=" + verify + "); vmbox will not reach a VM through a host it has not verified",
                    "remove known_hosts_verify and add the host to known_hosts");
        }
        String authority = u.getRawAuthority();
        String user = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            user = percentDecode(authority.substring(0, at), uri);
            authority = authority.substring(at + 1);
        }
        int port = 0;
        int colon = authority.lastIndexOf(':');
        if (colon >= 0 && colon > authority.lastIndexOf(']')) {
            try {
                port = Integer.parseInt(authority.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw VmboxException.badInput("invalid port in " + uri, "use qemu+ssh://user@host:PORT/system");
            }
            authority = authority.substring(0, colon);
        }
        String keyfile = params.get("keyfile");
        String knownHosts = transport.equals("ssh") ? null : params.get("known_hosts");
        return Optional.of(new JumpHost(authority, port, user, keyfile == null ? null : Path.of(keyfile),
                transport.equals("ssh") ? params.get("command") : null, knownHosts == null ? null : Path.of(knownHosts)));
    }

    /** libvirt's boolean URI parameters: any non-zero integer is true. */
    private static boolean isTrue(String value) {
        if (value == null) {
            return false;
        }
        try {
            return Integer.parseInt(value.trim()) != 0;
        } catch (NumberFormatException e) {
            return true; // not an integer: libvirt refuses it; so does vmbox, on the safe side
        }
    }

    /**
     * Query parameters as libvirt reads them: separated by {@code &} or {@code ;}, names case-insensitive
     * (kept lower-case here), values %-decoded only ({@code +} stays {@code +}).
     */
    private Map<String, String> queryParameters(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery == null) {
            return params;
        }
        for (String pair : rawQuery.split("[&;]")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = percentDecode(eq < 0 ? pair : pair.substring(0, eq), uri).toLowerCase(java.util.Locale.ROOT);
            String value = eq < 0 ? "" : percentDecode(pair.substring(eq + 1), uri);
            params.put(key, value);
        }
        return params;
    }

    private static String percentDecode(String s, String uri) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw VmboxException.badInput("invalid %-escape in " + uri, "write a literal % as %25");
        }
    }

    public boolean session() {
        return isSession(uri);
    }

    private static boolean isSession(String uri) {
        try {
            return "/session".equals(new URI(uri).getPath());
        } catch (java.net.URISyntaxException e) {
            return false; // rejected with a clear message by the constructor
        }
    }
}
