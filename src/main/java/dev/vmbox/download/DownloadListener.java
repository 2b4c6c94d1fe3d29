package dev.vmbox.download;

/**
 * Receives progress while a download runs; the CLI's progress display renders it. Called on the
 * downloading thread, at most a few times a second and once more when the file is complete.
 */
@FunctionalInterface
public interface DownloadListener {
    void progress(DownloadProgress progress);

    DownloadListener NONE = p -> {
    };
}
