package dev.vmbox.ssh;

/** Told how far an upload has come; called from the uploading thread, so it must return quickly. */
@FunctionalInterface
public interface ProgressListener {
    void progress(long bytesDone, long bytesTotal);

    ProgressListener NONE = (done, total) -> { };
}
