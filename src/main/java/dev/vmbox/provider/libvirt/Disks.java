package dev.vmbox.provider.libvirt;

import dev.vmbox.image.ResolvedImage;
import dev.vmbox.provider.PlanStep;
import dev.vmbox.provider.PlannedCommand;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.spec.VmSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where an instance's disks live, the one thing that differs between a libvirt on this machine and one on another
 * host: {@link LocalDisks} (files under the storage root) or {@link PoolDisks} (volumes of a pool on that host).
 * Everything else of a create ({@link LibvirtCreate}) is the same for both.
 */
interface Disks {
    /** What the domain XML names, found out by the disk steps when they run. */
    final class Layout {
        /** The base image as the VM's host sees it (staged, or volumes on a remote host). */
        ResolvedImage base;
        Path overlay;
        Path seed;
        Path console;
        /**
         * Whether QEMU reads the base as it is (a root-owned, world-readable staged copy): libvirt then leaves its
         * owner alone, so no QEMU process may make it writable, and its content tag stays cached between creates.
         */
        boolean baseReadableAsIs;
    }

    /** Where the disks go, for the plan's notes. */
    String where(String instance);

    /** Facts decided while planning (e.g. where a base image is staged), one line each. */
    List<String> notes(VmSpec spec, ResolvedImage image);

    /** The steps that make the instance's disks, in order; they fill in {@code layout}. */
    List<PlanStep> steps(VmSpec spec, ResolvedImage image, SeedFiles seed, Duration timeout, Layout layout);

    /**
     * What deletes the instance's seed (it holds the guest's SSH host private key) once the domain no longer names it:
     * run after the guest's first boot is over ({@code when} says so beside its commands).
     */
    PlanStep removeSeed(String instance, String when);

    /** Where the domain XML is written for {@code virsh define}. */
    Path domainXml(VmSpec spec, SeedFiles seed);

    /** Whether the domain XML stays after the define (beside the disks), or is removed (a scratch file). */
    boolean keepsDomainXml();

    /** What removes what libvirt itself wrote for the domain beside its disks, once it is undefined (e.g. its console log). */
    List<PlannedCommand> afterUndefine(String instance);

    /** Runs {@link #afterUndefine}. */
    void removeAfterUndefine(LibvirtExec exec, String instance);
}
