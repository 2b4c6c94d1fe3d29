package dev.vmbox.app.create;

import java.nio.file.Path;
import java.util.List;

/**
 * What the host uploads into a sealed guest: the runtime's release archive and the model's files,
 * each already verified on the host.
 *
 * @param runtimeBundle  the runtime's release archive on the host, or null when the guest downloads it
 *                       (fetch-window: see {@code guestDownloads})
 * @param runtimeVersion its version, for the record ("0.12.3", or "local bundle")
 * @param runtimeArchive how to unpack it: tar.gz, tar.zst, or bundle (a vLLM wheelhouse .tar.gz)
 * @param modelFiles     the model's files and where they go under the guest's model store
 * @param modelName      the name the runtime serves the model under (e.g. "qwen2.5:0.5b")
 * @param notes          lines for the user (e.g. "runtime bundle supplied offline, sha256 ...")
 * @param guestDownloads files the guest fetches itself during the fetch window, each checked against its
 *                       sha256 in the guest before use (empty in the sealed policy)
 * @param modelSha256    the sha256 the host verified of a single-file model, or null (a model of several files)
 */
public record Payload(Path runtimeBundle, String runtimeVersion, String runtimeArchive, List<ModelFile> modelFiles, String modelName,
                      List<String> notes, List<GuestDownload> guestDownloads, String modelSha256) {
    public Payload {
        modelFiles = List.copyOf(modelFiles);
        notes = List.copyOf(notes == null ? List.of() : notes);
        guestDownloads = List.copyOf(guestDownloads == null ? List.of() : guestDownloads);
        if (runtimeBundle == null && !IN_IMAGE.equals(runtimeArchive)
                && guestDownloads.stream().noneMatch(d -> d.stagePath().equals(RUNTIME_ARCHIVE))) {
            throw new IllegalArgumentException("the runtime comes neither from the host nor from a guest download");
        }
        if (modelSha256 != null && !modelSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a sha256: " + modelSha256);
        }
    }

    /** Where the runtime archive lands in the guest's staging folder. */
    public static final String RUNTIME_ARCHIVE = "runtime.archive";
    /** {@link #runtimeArchive()} of a runtime that is in the VM's image already: nothing of it travels. */
    public static final String IN_IMAGE = "in-image";

    /** A payload whose model sha256 is not known as one value. */
    public Payload(Path runtimeBundle, String runtimeVersion, String runtimeArchive, List<ModelFile> modelFiles,
                   String modelName, List<String> notes, List<GuestDownload> guestDownloads) {
        this(runtimeBundle, runtimeVersion, runtimeArchive, modelFiles, modelName, notes, guestDownloads, null);
    }

    /** The same payload, the model's verified sha256 known. */
    public Payload withModelSha256(String sha256) {
        return new Payload(runtimeBundle, runtimeVersion, runtimeArchive, modelFiles, modelName, notes, guestDownloads, sha256);
    }

    /** A payload the host uploads entirely (the sealed policy). */
    public Payload(Path runtimeBundle, String runtimeVersion, String runtimeArchive, List<ModelFile> modelFiles,
                   String modelName, List<String> notes) {
        this(runtimeBundle, runtimeVersion, runtimeArchive, modelFiles, modelName, notes, List.of(), null);
    }

    /**
     * A file the guest downloads itself (https only), verified by sha256 in the guest.
     *
     * @param url       https URL (redirects are followed, https only)
     * @param sha256    the digest the file must have
     * @param sizeBytes its size when known, else -1
     * @param stagePath where it goes in the staging folder: {@link #RUNTIME_ARCHIVE} or {@code model/...}
     */
    public record GuestDownload(java.net.URI url, String sha256, long sizeBytes, String stagePath) {
        public GuestDownload {
            if (!"https".equals(url.getScheme())) {
                throw new IllegalArgumentException("guest downloads are https only: " + url);
            }
            if (!sha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("not a sha256: " + sha256);
            }
            if (!stagePath.equals(RUNTIME_ARCHIVE) && !stagePath.matches("model/[A-Za-z0-9._:/+@-]+") || stagePath.contains("..")) {
                throw new IllegalArgumentException("unsafe staging path: " + stagePath);
            }
        }
    }

    /** One file of the model: local path and path relative to the guest's model store. */
    public record ModelFile(Path local, String guestPath) {
        public ModelFile {
            if (guestPath.startsWith("/") || guestPath.contains("..") || guestPath.contains("\\")
                    || !guestPath.matches("[A-Za-z0-9._:/+@-]+")) {
                throw new IllegalArgumentException("unsafe guest path for a model file: " + guestPath);
            }
        }
    }

    public long totalBytes() {
        long n = runtimeBundle == null ? 0 : size(runtimeBundle);
        for (ModelFile f : modelFiles) {
            n += size(f.local());
        }
        return n;
    }

    private static long size(Path p) {
        try {
            return java.nio.file.Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
