package dev.vmbox.cloudinit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The cloud-config vmbox writes, as typed values: only the keys vmbox uses (checked against
 * cloud-init 22.4's schema). Fragments are read into this type with unknown keys refused, so a typo in
 * a fragment fails the build instead of being silently ignored by cloud-init.
 *
 * <p>{@link #merge} is deterministic: lists are concatenated in order, maps are united, and a scalar
 * set to two different values, two files written to the same path, or two users with the same name
 * are an error naming both sources.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"hostname", "preserve_hostname", "manage_etc_hosts", "ssh_pwauth", "disable_root",
        "ssh_deletekeys", "ssh_genkeytypes", "ssh_quiet_keygen", "ssh_keys", "package_update", "package_upgrade",
        "package_reboot_if_required", "users", "write_files", "bootcmd", "runcmd"})
public record UserData(
        @JsonProperty("hostname") String hostname,
        @JsonProperty("preserve_hostname") Boolean preserveHostname,
        @JsonProperty("manage_etc_hosts") Boolean manageEtcHosts,
        @JsonProperty("ssh_pwauth") Boolean sshPwauth,
        @JsonProperty("disable_root") Boolean disableRoot,
        @JsonProperty("ssh_deletekeys") Boolean sshDeletekeys,
        @JsonProperty("ssh_genkeytypes") List<String> sshGenkeytypes,
        @JsonProperty("ssh_quiet_keygen") Boolean sshQuietKeygen,
        @JsonProperty("ssh_keys") Map<String, String> sshKeys,
        @JsonProperty("package_update") Boolean packageUpdate,
        @JsonProperty("package_upgrade") Boolean packageUpgrade,
        @JsonProperty("package_reboot_if_required") Boolean packageRebootIfRequired,
        @JsonProperty("users") List<User> users,
        @JsonProperty("write_files") List<WriteFile> writeFiles,
        @JsonProperty("bootcmd") List<List<String>> bootcmd,
        @JsonProperty("runcmd") List<List<String>> runcmd) {

    public UserData {
        sshGenkeytypes = sshGenkeytypes == null ? null : List.copyOf(sshGenkeytypes);
        sshKeys = sshKeys == null ? null : java.util.Collections.unmodifiableMap(new TreeMap<>(sshKeys));
        users = users == null ? null : List.copyOf(users);
        writeFiles = writeFiles == null ? null : List.copyOf(writeFiles);
        bootcmd = bootcmd == null ? null : bootcmd.stream().map(List::copyOf).toList();
        runcmd = runcmd == null ? null : runcmd.stream().map(List::copyOf).toList();
    }

    /** An empty cloud-config: nothing set. */
    public static UserData empty() {
        return new UserData(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** A copy with {@code bootcmd} replaced. */
    public UserData withBootcmd(List<List<String>> commands) {
        return new UserData(hostname, preserveHostname, manageEtcHosts, sshPwauth, disableRoot, sshDeletekeys,
                sshGenkeytypes, sshQuietKeygen, sshKeys, packageUpdate, packageUpgrade, packageRebootIfRequired, users,
                writeFiles, commands, runcmd);
    }

    /** A copy with {@code write_files} replaced. */
    public UserData withWriteFiles(List<WriteFile> files) {
        return new UserData(hostname, preserveHostname, manageEtcHosts, sshPwauth, disableRoot, sshDeletekeys,
                sshGenkeytypes, sshQuietKeygen, sshKeys, packageUpdate, packageUpgrade, packageRebootIfRequired, users,
                files, bootcmd, runcmd);
    }

    /** This cloud-config followed by {@code next}; {@code nextSource} names {@code next} in errors. */
    public UserData merge(UserData next, String nextSource) {
        Objects.requireNonNull(next, "next");
        return new UserData(
                scalar("hostname", hostname, next.hostname, nextSource),
                scalar("preserve_hostname", preserveHostname, next.preserveHostname, nextSource),
                scalar("manage_etc_hosts", manageEtcHosts, next.manageEtcHosts, nextSource),
                scalar("ssh_pwauth", sshPwauth, next.sshPwauth, nextSource),
                scalar("disable_root", disableRoot, next.disableRoot, nextSource),
                scalar("ssh_deletekeys", sshDeletekeys, next.sshDeletekeys, nextSource),
                scalar("ssh_genkeytypes", sshGenkeytypes, next.sshGenkeytypes, nextSource),
                scalar("ssh_quiet_keygen", sshQuietKeygen, next.sshQuietKeygen, nextSource),
                map("ssh_keys", sshKeys, next.sshKeys, nextSource),
                scalar("package_update", packageUpdate, next.packageUpdate, nextSource),
                scalar("package_upgrade", packageUpgrade, next.packageUpgrade, nextSource),
                scalar("package_reboot_if_required", packageRebootIfRequired, next.packageRebootIfRequired, nextSource),
                unique("users", users, next.users, User::name, nextSource),
                unique("write_files", writeFiles, next.writeFiles, WriteFile::path, nextSource),
                concat(bootcmd, next.bootcmd),
                concat(runcmd, next.runcmd));
    }

    private static <T> T scalar(String key, T a, T b, String source) {
        if (a == null) {
            return b;
        }
        if (b == null || a.equals(b)) {
            return a;
        }
        throw conflict("'" + key + "' is set to " + a + " earlier and to " + b + " in " + source);
    }

    private static Map<String, String> map(String key, Map<String, String> a, Map<String, String> b, String source) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        Map<String, String> out = new TreeMap<>(a);
        for (Map.Entry<String, String> e : b.entrySet()) {
            String old = out.putIfAbsent(e.getKey(), e.getValue());
            if (old != null && !old.equals(e.getValue())) {
                throw conflict("'" + key + "." + e.getKey() + "' is set twice, the second time in " + source);
            }
        }
        return out;
    }

    private static <T> List<T> unique(String key, List<T> a, List<T> b, java.util.function.Function<T, String> id,
                                      String source) {
        List<T> out = concat(a, b);
        if (out != null) {
            Set<String> seen = new HashSet<>();
            for (T t : out) {
                if (!seen.add(id.apply(t))) {
                    throw conflict("'" + key + "' has '" + id.apply(t) + "' twice (the second from " + source + ")");
                }
            }
        }
        return out;
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static VmboxException conflict(String what) {
        return new VmboxException(ExitCode.INTERNAL, "cloud-init fragments conflict: " + what,
                "this is a bug in vmbox's cloud-init fragments; please report it");
    }
}
