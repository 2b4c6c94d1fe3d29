package dev.vmbox.cli;

import dev.vmbox.VmboxException;
import dev.vmbox.model.ModelRef;
import dev.vmbox.provider.ProviderSelector;
import dev.vmbox.provider.libvirt.LibvirtConfig;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.spec.HostFile;
import dev.vmbox.spec.TypedText;
import java.nio.file.Path;
import java.util.Map;

/**
 * The rule of each setting's value: the very rule of the flag that overrides it, so that {@code vmbox config set}
 * refuses what the flag would refuse (and a stored value never breaks every later create).
 */
final class SettingRules {
    /** A check of one value: returns normally or throws BAD_INPUT, naming the value by {@code what}. */
    @FunctionalInterface
    interface Rule {
        void check(String value, String what, Path vmboxHome);
    }

    /** Every setting of defaults.yaml and its flag's rule. */
    static final Map<String, Rule> RULES = Map.of(
            "provider", (v, what, home) -> ProviderSelector.requireChoice(v, what),
            "libvirt.uri", SettingRules::libvirtUri,
            "egress", (v, what, home) -> EgressPolicy.parse(v),
            "runtime", (v, what, home) -> RuntimeKind.parse(v),
            "model", (v, what, home) -> {
                if (ModelRef.parse(v) instanceof ModelRef.LocalFile f) {
                    HostFile.require(f.path(), what);
                }
            },
            // what --expose accepts: an IP literal, loopback or one of this host's own addresses
            "tunnel.bind", (v, what, home) -> new ApiAddress(v, 1, true),
            "create.timeout", (v, what, home) -> Durations.parse(v, what));

    private SettingRules() {
    }

    /** {@code value} for setting {@code key}, checked by the key's rule; BAD_INPUT when it breaks it. */
    static String check(String key, String value, Path vmboxHome) {
        Rule rule = RULES.get(key);
        if (rule == null) {
            throw new VmboxException(dev.vmbox.ExitCode.INTERNAL, "the setting " + key + " has no rule", null);
        }
        TypedText.of(value, key);
        rule.check(value, key, vmboxHome);
        return value;
    }

    /**
     * A libvirt connection URI as --connect and libvirt.uri take it: one libvirt parses, and for a remote host an SSH
     * transport that keeps the host-key check (vmbox reaches the guest through that host). Returns it unchanged.
     */
    static String libvirtUri(String value, String what, Path vmboxHome) {
        TypedText.of(value, what);
        LibvirtConfig c = LibvirtConfig.defaults(value, vmboxHome);
        if (!c.local()) {
            c.jumpHost();
        }
        return value;
    }
}
