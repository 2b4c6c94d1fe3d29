package dev.vmbox.provider.multipass;

import java.util.List;

/**
 * One instance as {@code multipass info/list --format json} describes it. Multipass prints
 * {@code cpu_count} and disk sizes as strings and memory as numbers; they are numbers here (0 when
 * absent, e.g. while stopped).
 *
 * @param mounts host folders mounted into it, as "SOURCE -> TARGET"; vmbox never makes any
 */
public record MultipassInstance(String name, String state, List<String> ipv4, int cpuCount, long memoryTotal,
                                long diskTotal, String release, List<String> mounts) {
    public MultipassInstance {
        ipv4 = List.copyOf(ipv4 == null ? List.of() : ipv4);
        mounts = List.copyOf(mounts == null ? List.of() : mounts);
    }
}
