package dev.vmbox.app.create;

import java.nio.file.Path;
import java.util.List;

/**
 * What the host uploads into a sealed guest: the runtime's release archive and the model's files,
 * each already verified on the host.
 *
 * @param runtimeBundle  the runtime's release archive (.tar.gz laid out as the runtime's folder)
 * @param runtimeVersion its version, for the record ("0.12.3", or "local bundle")
 * @param runtimeArchive how to unpack it: tar.gz, tar.zst, or bundle (a vLLM wheelhouse .tar.gz)
 * @param modelFiles     the model's files and where they go under the guest's model store
 * @param modelName      the name the runtime serves the model under (e.g. "qwen2.5:0.5b")
 * @param notes          lines for the user (e.g. "runtime bundle supplied offline, sha256 ...")
 */
public record Payload(Path runtimeBundle, String runtimeVersion, String runtimeArchive, List<ModelFile> modelFiles, String modelName,
                      List<String> notes) {
    public Payload {
        modelFiles = List.copyOf(modelFiles);
        notes = List.copyOf(notes == null ? List.of() : notes);
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
        long n = size(runtimeBundle);
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
