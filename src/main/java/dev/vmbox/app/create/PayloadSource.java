package dev.vmbox.app.create;

import dev.vmbox.app.progress.Progress;

/**
 * Gets the runtime and the model onto the host, verified: downloads with pinned checksums, or the
 * files the user supplied for an air-gapped host. Runs before any VM is made, so a missing or bad
 * download costs nothing to roll back.
 */
public interface PayloadSource {
    Payload fetch(CreateRequest request, Progress.Step step);

    /** Removes what {@link #fetch} staged for this create only (not the shared download cache). */
    default void cleanUp(CreateRequest request) {
    }
}
