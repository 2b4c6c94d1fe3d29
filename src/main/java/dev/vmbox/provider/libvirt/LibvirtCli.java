package dev.vmbox.provider.libvirt;

import dev.vmbox.exec.Command;
import dev.vmbox.provider.SeedFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the {@code virsh}, {@code qemu-img} and {@code cloud-localds} commands vmbox runs; no side
 * effects. Every {@code virsh} call names the connection URI explicitly ({@code -c URI}), so no
 * {@code LIBVIRT_DEFAULT_URI} in the environment can redirect it.
 */
final class LibvirtCli {
    /** Read-only queries answer quickly; a longer wait means the daemon or transport hangs. */
    static final Duration QUERY = Duration.ofSeconds(30);
    static final Duration CHANGE = Duration.ofSeconds(60);
    static final Duration DISK = Duration.ofMinutes(5);

    private final String uri;

    LibvirtCli(String uri) {
        this.uri = uri;
    }

    private Command virsh(Duration timeout, String... args) {
        List<String> argv = new ArrayList<>(List.of("virsh", "-q", "-c", uri));
        argv.addAll(List.of(args));
        // the info commands' labels ("CPU(s):", "Available:") are parsed: never translated
        return Command.of(timeout, argv).withEnv("LC_ALL", "C");
    }

    Command version() {
        return virsh(QUERY, "version");
    }

    Command capabilities() {
        return virsh(QUERY, "capabilities");
    }

    Command domcapabilities(String virtType) {
        return virsh(QUERY, "domcapabilities", "--virttype", virtType);
    }

    Command define(Path xml) {
        return virsh(CHANGE, "define", xml.toString());
    }

    Command start(String domain) {
        return virsh(CHANGE, "start", domain);
    }

    /** {@code virsh autostart [--disable] DOMAIN}: libvirtd starts the domain when it starts. */
    Command autostart(String domain, boolean on) {
        return on ? virsh(CHANGE, "autostart", domain) : virsh(CHANGE, "autostart", "--disable", domain);
    }

    Command shutdown(String domain) {
        return virsh(CHANGE, "shutdown", domain);
    }

    Command destroy(String domain) {
        return virsh(CHANGE, "destroy", domain);
    }

    /** Removes the definition and libvirt's own per-domain state (NVRAM, managed save, snapshot metadata). */
    Command undefine(String domain) {
        return virsh(CHANGE, "undefine", domain, "--nvram", "--managed-save", "--snapshots-metadata");
    }

    Command domstate(String domain) {
        return virsh(QUERY, "domstate", domain);
    }

    /** Every domain with its state, one line each ({@code Id Name State}; no header under {@code -q}). */
    Command listAll() {
        return virsh(QUERY, "list", "--all");
    }

    /**
     * Every domain with its state and, before it, the volumes of {@code pool} (which a remote host's instances keep
     * their disks in), over one connection: {@code vol-list --pool POOL; echo MARK; list --all}. {@code list} runs
     * last, so the exit status is its own (a host without the pool still lists its domains).
     */
    Command volumesAndDomains(String pool) {
        return batch(List.of("vol-list --pool " + pool, "echo " + LibvirtOutput.DOMAINS_FOLLOW, "list --all"));
    }

    Command dumpxml(String domain, boolean inactive) {
        return inactive ? virsh(QUERY, "dumpxml", "--inactive", domain) : virsh(QUERY, "dumpxml", domain);
    }

    Command poolInfo(String pool) {
        return virsh(QUERY, "pool-info", "--bytes", pool);
    }

    /** The full feature list of a CPU description (its model expanded), computed by libvirt on its host. */
    Command cpuBaseline(Path cpuXml) {
        return virsh(QUERY, "cpu-baseline", "--features", cpuXml.toString());
    }

    /** The names of the host's PCI devices ({@code pci_0000_01_00_0}), one per line. */
    Command nodedevListPci() {
        return virsh(QUERY, "nodedev-list", "--cap", "pci");
    }

    /**
     * Several read-only virsh commands over one connection (virsh's command string: commands separated by
     * {@code ;}), so a remote host is asked once rather than once per device. Each command is plain words.
     */
    Command batch(List<String> commands) {
        for (String c : commands) {
            if (!c.matches("[A-Za-z0-9_ -]+")) {
                throw new IllegalArgumentException("not a plain virsh command: " + c);
            }
        }
        return virsh(QUERY, String.join("; ", commands));
    }

    Command nodeinfo() {
        return virsh(QUERY, "nodeinfo");
    }

    Command poolDumpxml(String pool) {
        return virsh(QUERY, "pool-dumpxml", pool);
    }

    /** A directory pool; {@code pool-build} then creates the folder (0711, as libvirt makes it). */
    Command poolDefineDir(String pool, String targetPath) {
        return virsh(CHANGE, "pool-define-as", "--name", pool, "--type", "dir", "--target", targetPath);
    }

    Command poolBuild(String pool) {
        return virsh(CHANGE, "pool-build", pool);
    }

    Command poolStart(String pool) {
        return virsh(CHANGE, "pool-start", pool);
    }

    Command poolAutostart(String pool) {
        return virsh(CHANGE, "pool-autostart", pool);
    }

    /** Makes libvirt see files created behind its back (the serial log virtlogd writes). */
    Command poolRefresh(String pool) {
        return virsh(CHANGE, "pool-refresh", pool);
    }

    /** The path of a volume on the libvirt host; fails with "Storage volume not found" when absent. */
    Command volPath(String pool, String volume) {
        return virsh(QUERY, "vol-path", "--pool", pool, volume);
    }

    /** A volume of {@code capacity} bytes, created by libvirt 0600 root-owned (QEMU gets it at start). */
    Command volCreate(String pool, String volume, long capacity, String format) {
        return virsh(CHANGE, "vol-create-as", "--pool", pool, "--name", volume, "--capacity", Long.toString(capacity),
                "--format", format);
    }

    /** A qcow2 volume over the volume {@code backing} (libvirt runs qemu-img on its host). */
    Command volCreateOverlay(String pool, String volume, long capacity, String backing, String backingFormat) {
        return virsh(DISK, "vol-create-as", "--pool", pool, "--name", volume, "--capacity", Long.toString(capacity),
                "--format", "qcow2", "--backing-vol", backing, "--backing-vol-format", backingFormat);
    }

    /** Sends a local file's bytes into a volume through libvirt's own connection. */
    Command volUpload(String pool, String volume, Path file, Duration timeout) {
        return virsh(timeout, "vol-upload", "--pool", pool, "--sparse", volume, file.toAbsolutePath().toString());
    }

    Command volDelete(String pool, String volume) {
        return virsh(CHANGE, "vol-delete", "--pool", pool, volume);
    }

    /** A qcow2 overlay on {@code base}: absolute backing path, explicit backing format (mandatory in qemu-img 7+). */
    static Command createOverlay(Path base, String baseFormat, Path overlay, long sizeBytes) {
        return Command.of(DISK, "qemu-img", "create", "-q", "-f", "qcow2", "-F", baseFormat,
                "-b", base.toAbsolutePath().toString(), overlay.toAbsolutePath().toString(), Long.toString(sizeBytes));
    }

    static Command imageInfo(Path image) {
        return Command.of(QUERY, "qemu-img", "info", "--output=json", image.toAbsolutePath().toString());
    }

    /**
     * A NoCloud seed disk (label cidata) from the seed folder's files. cloud-localds copies the user-data (the guest's
     * host private key) into a temporary folder before it builds the image: {@code privateDir} (TMPDIR), a folder
     * only vmbox's user can enter, so no copy lands in /tmp, and one left behind by a killed run goes with it.
     */
    static Command seedImage(Path seed, SeedFiles files, Path privateDir) {
        List<String> argv = new ArrayList<>();
        if (files.format() == SeedFiles.Format.NOCLOUD) {
            argv.addAll(List.of("cloud-localds", "--disk-format=raw", seed.toAbsolutePath().toString()));
        } else {
            // what cloud-localds runs, with the runtime image's own label and files (genisoimage comes with it)
            argv.addAll(List.of("genisoimage", "-quiet", "-output", seed.toAbsolutePath().toString(), "-volid",
                    SeedFiles.IMAGE_SEED_LABEL, "-joliet", "-rock"));
        }
        files.files().forEach(f -> argv.add(f.toAbsolutePath().toString()));
        return Command.of(DISK, argv).withEnv("TMPDIR", privateDir.toAbsolutePath().toString());
    }

    /**
     * Removes the seed disk ({@code vdb}) from the domain's persistent definition: the next boot has no seed. The running
     * VM keeps its open file until it stops.
     */
    Command detachSeed(String domain) {
        return virsh(CHANGE, "detach-disk", domain, DomainXml.SEED_TARGET, "--config");
    }
}
