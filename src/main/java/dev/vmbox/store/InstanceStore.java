package dev.vmbox.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.spec.Names;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The instance records under VMBOX_HOME, one folder per instance. Writes are atomic and happen under
 * the instance's lock; a record that cannot be read is reported as {@link Entry#error()} and never
 * stops the others from being listed.
 */
public final class InstanceStore {
    public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(10);
    private static final long MAX_RECORD_BYTES = 1024 * 1024;

    private final VmboxHome home;

    public InstanceStore(VmboxHome home) {
        this.home = home;
    }

    /** One folder of the store: its record, or why it could not be read. */
    public record Entry(String name, Path dir, InstanceRecord record, String error) {
        public boolean readable() {
            return record != null;
        }
    }

    public VmboxHome home() {
        return home;
    }

    public Path dir(String name) {
        return home.instanceDir(Names.instanceName(name));
    }

    public boolean exists(String name) {
        return Files.isRegularFile(dir(name).resolve(FileNames.INSTANCE_RECORD));
    }

    /** Every instance folder, sorted by name; corrupt or unreadable records are entries with an error. */
    public List<Entry> list() {
        List<Entry> out = new ArrayList<>();
        Path root = home.root();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!Names.isValidInstanceName(n) || !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Path rec = p.resolve(FileNames.INSTANCE_RECORD);
                if (!Files.exists(rec)) {
                    out.add(new Entry(n, p, null, "no " + FileNames.INSTANCE_RECORD + " (an interrupted create?)"));
                    continue;
                }
                out.add(readEntry(n, p));
            }
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot read " + root + ": " + SecureFiles.describe(e),
                    "check the permissions of VMBOX_HOME", e);
        }
        out.sort(Comparator.comparing(Entry::name));
        return out;
    }

    private Entry readEntry(String name, Path dir) {
        try {
            return new Entry(name, dir, parse(name, dir.resolve(FileNames.INSTANCE_RECORD)), null);
        } catch (VmboxException e) {
            return new Entry(name, dir, null, e.getMessage());
        }
    }

    /** The record of {@code name}; NOT_FOUND when absent, FAILED (with the file) when corrupt. */
    public InstanceRecord read(String name) {
        Path d = dir(name);
        Path rec = d.resolve(FileNames.INSTANCE_RECORD);
        if (!Files.exists(rec)) {
            throw VmboxException.notFound("no instance named '" + name + "'", "see the instances with: vmbox list");
        }
        return parse(name, rec);
    }

    public Optional<InstanceRecord> find(String name) {
        return exists(name) ? Optional.of(read(name)) : Optional.empty();
    }

    private InstanceRecord parse(String name, Path rec) {
        try {
            long size = Files.size(rec);
            if (size > MAX_RECORD_BYTES) {
                throw corrupt(rec, "it is " + size + " bytes, far larger than any record vmbox writes", null);
            }
            InstanceRecord r = RecordJson.read(Files.readAllBytes(rec));
            if (r == null || r.name() == null || r.provider() == null) {
                throw corrupt(rec, "it lacks the name or provider field", null);
            }
            if (!r.name().equals(name)) {
                throw corrupt(rec, "it names instance " + Names.forMessage(r.name()) + ", not '" + name + "'", null);
            }
            if (r.schema() > InstanceRecord.SCHEMA) {
                throw new VmboxException(ExitCode.FAILED, "record " + rec + " was written by a newer vmbox (format "
                        + r.schema() + ")", "upgrade vmbox to manage this instance");
            }
            return r;
        } catch (JsonProcessingException e) {
            String loc = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw corrupt(rec, "it is not valid JSON" + loc, e);
        } catch (IOException e) {
            throw corrupt(rec, SecureFiles.describe(e), e);
        }
    }

    private static VmboxException corrupt(Path rec, String why, Throwable cause) {
        return new VmboxException(ExitCode.FAILED, "the record " + rec + " is unreadable: " + why,
                "move it aside and run `vmbox delete " + rec.getParent().getFileName()
                        + " --force` to remove what is left of the instance", cause);
    }

    private static VmboxException taken(String name) {
        return new VmboxException(ExitCode.IN_USE, "an instance named '" + name + "' already exists",
                "choose another name, or remove it first with: vmbox delete " + name);
    }

    /** Creates the instance folder (0700) and writes its first record; IN_USE (the name is taken) if it already exists. */
    public void create(InstanceRecord record) {
        Path d = dir(record.name());
        home.ensure();
        if (Files.exists(d.resolve(FileNames.INSTANCE_RECORD))) {
            throw taken(record.name());
        }
        SecureFiles.privateDir(d);
        try (InstanceLock ignored = lock(record.name(), DEFAULT_LOCK_WAIT)) {
            if (Files.exists(d.resolve(FileNames.INSTANCE_RECORD))) {
                throw taken(record.name());
            }
            writeUnlocked(record);
        }
    }

    /** Replaces the record; the caller holds the instance's lock. */
    public void write(InstanceRecord record) {
        SecureFiles.privateDir(dir(record.name()));
        writeUnlocked(record);
    }

    private void writeUnlocked(InstanceRecord record) {
        byte[] json;
        try {
            json = RecordJson.write(record);
        } catch (IllegalArgumentException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot encode the record of " + record.name() + ": "
                    + e.getMessage(), null, e);
        }
        SecureFiles.writeAtomically(dir(record.name()).resolve(FileNames.INSTANCE_RECORD), json);
    }

    /** Exclusive lock on one instance; waits up to {@code wait} for another vmbox to finish. */
    public InstanceLock lock(String name, Duration wait) {
        Path d = dir(name);
        if (!Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw VmboxException.notFound("no instance named '" + name + "'", "see the instances with: vmbox list");
        }
        return InstanceLock.acquire(d.resolve(FileNames.LOCK), "instance '" + name + "'", wait);
    }

    /** Removes the instance folder and everything in it (keys, seed, logs, record). */
    public void deleteFolder(String name) {
        Path d = dir(name);
        try {
            SecureFiles.deleteTree(d);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot remove " + d + ": " + SecureFiles.describe(e),
                    "remove it by hand", e);
        }
    }
}
