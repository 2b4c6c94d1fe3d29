package dev.vmbox.cloudinit;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The seed of a VM that boots a runtime image: the per-instance parts of {@link CloudInitComposer#composeForImage} as
 * two systemd configuration files, {@code sysusers.conf} (the admin user, for {@code systemd-sysusers}) and
 * {@code tmpfiles.conf} (every file with its owner, mode and content, for {@code systemd-tmpfiles --create}). A runtime
 * image has no cloud-init: its {@code vmbox-seed.service} mounts the seed disk (ISO 9660, volume {@code vmboxseed};
 * the provider makes it from {@code dev.vmbox.provider.SeedFiles}) before
 * sshd starts and hands these two files to systemd's own tools, so nothing in the guest parses them but systemd, and
 * no Python process sits on the way to SSH (cloud-init's cost a third of a create under emulation:
 * docs/decisions/0021-runtime-image-seed-without-cloud-init.md).
 *
 * <p>Every value is typed and checked where it is made (names by their rules, keys by their parsers); contents travel
 * base64-encoded ({@code f+~}), so no line of a file can become a line of the configuration.
 *
 * @param sysusers the text of sysusers.conf
 * @param tmpfiles the text of tmpfiles.conf
 */
public record ImageSeed(String sysusers, String tmpfiles) {
    /** A path or name that a tmpfiles.d or sysusers.d line takes as one field. */
    private static final Pattern FIELD = Pattern.compile("[A-Za-z0-9_./@:+-]+");
    private static final Pattern MODE = Pattern.compile("0[0-7]{3}");
    private static final String HOST_KEY = "/etc/ssh/ssh_host_ed25519_key";

    /** The seed for {@code spec} with the runtime's {@code args}. */
    public static ImageSeed of(GuestSpec spec, RuntimeArgs args) {
        return of(CloudInitComposer.composeForImage(spec, args));
    }

    /**
     * {@code data} as sysusers and tmpfiles lines. It takes only what a runtime image's seed holds (hostname, users
     * with sudo and keys, the ed25519 host key, root-owned or user-owned files); anything else is a bug in vmbox.
     */
    static ImageSeed of(UserData data) {
        if (data.bootcmd() != null || data.runcmd() != null) {
            throw bug("commands");
        }
        StringBuilder users = new StringBuilder("# vmbox: this instance's users (systemd-sysusers, at first boot)\n");
        StringBuilder files = new StringBuilder("# vmbox: this instance's files (systemd-tmpfiles --create, at first boot)\n");
        String host = field(data.hostname());
        file(files, "/etc/hostname", "0644", "root", "root", host + "\n");
        file(files, "/etc/hosts", "0644", "root", "root", "127.0.0.1\tlocalhost\n127.0.1.1\t" + host + "\n"
                + "::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n");
        Map<String, String> keys = data.sshKeys() == null ? Map.of() : data.sshKeys();
        if (!keys.keySet().equals(java.util.Set.of("ed25519_private", "ed25519_public"))) {
            throw bug("host keys " + keys.keySet());
        }
        file(files, HOST_KEY, "0600", "root", "root", keys.get("ed25519_private"));
        file(files, HOST_KEY + ".pub", "0644", "root", "root", keys.get("ed25519_public").strip() + "\n");
        for (User u : data.users() == null ? List.<User>of() : data.users()) {
            if (u.groups() != null || Boolean.TRUE.equals(u.system()) || u.homedir() != null) {
                throw bug("user options of " + u.name());
            }
            String name = field(u.name());
            String home = "/home/" + name;
            users.append("u ").append(name).append(" - \"").append(gecos(u.gecos())).append("\" ").append(home)
                    .append(' ').append(field(u.shell() == null ? "/bin/bash" : u.shell())).append('\n');
            files.append("d ").append(home).append(" 0750 ").append(name).append(' ').append(name).append(" -\n");
            files.append("d ").append(home).append("/.ssh 0700 ").append(name).append(' ').append(name).append(" -\n");
            List<String> authorized = u.sshAuthorizedKeys() == null ? List.of() : u.sshAuthorizedKeys();
            file(files, home + "/.ssh/authorized_keys", "0600", name, name,
                    authorized.stream().map(k -> k.strip() + "\n").reduce("", String::concat));
            if (u.sudo() != null) {
                file(files, "/etc/sudoers.d/90-vmbox-" + name, "0440", "root", "root", name + " " + u.sudo() + "\n");
            }
        }
        for (WriteFile f : data.writeFiles() == null ? List.<WriteFile>of() : data.writeFiles()) {
            if (f.encoding() != null || f.defer() != null) {
                throw bug("write_files options of " + f.path());
            }
            String[] owner = (f.owner() == null ? "root:root" : f.owner()).split(":", 2);
            file(files, f.path(), f.permissions() == null ? "0644" : f.permissions(), owner[0],
                    owner.length > 1 ? owner[1] : owner[0], f.content() == null ? "" : f.content());
        }
        return new ImageSeed(users.toString(), files.toString());
    }

    /** {@code f+~}: the file is written (replaced when it exists) with the base64-decoded content. */
    private static void file(StringBuilder out, String path, String mode, String user, String group, String content) {
        if (!MODE.matcher(mode).matches()) {
            throw bug("mode " + mode + " of " + path);
        }
        out.append("f+~ ").append(field(path)).append(' ').append(mode).append(' ').append(field(user)).append(' ')
                .append(field(group)).append(" - ")
                .append(Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8))).append('\n');
    }

    private static String field(String s) {
        if (s == null || !FIELD.matcher(s).matches()) {
            throw bug("a value that is not one field: " + (s == null ? "null" : "'" + s.replaceAll("[^ -~]", "?") + "'"));
        }
        return s;
    }

    private static String gecos(String s) {
        String g = s == null ? "" : s;
        if (!g.matches("[A-Za-z0-9 ._-]*")) {
            throw bug("a comment that a sysusers line cannot hold");
        }
        return g;
    }

    private static dev.vmbox.VmboxException bug(String what) {
        return dev.vmbox.VmboxException.bug("the runtime image's seed cannot hold " + what);
    }
}
