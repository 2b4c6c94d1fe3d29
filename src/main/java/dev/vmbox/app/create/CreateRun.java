package dev.vmbox.app.create;

import dev.vmbox.app.instance.InstanceFiles;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.provider.Provider;
import dev.vmbox.security.KeyMaterial;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.store.InstanceLock;
import dev.vmbox.wait.Deadline;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code vmbox create} while it runs: the request, the instance's files, the deadline, the step in progress,
 * and what the steps hand on to later ones (the payload, the keys, the SSH session, notes for the user).
 */
final class CreateRun {
    final CreateRequest request;
    final InstanceFiles files;
    final Deadline deadline;
    final Progress progress;
    final List<String> notes = new ArrayList<>();
    /** The step now running (its progress line). */
    Progress.Step step;
    Payload payload;
    KeyMaterial keys;
    InstanceLock lock;
    /** This create made the instance folder (the keys step): its log may go there. */
    boolean madeTheFolder;
    /** Open from the ssh step to the seal step. */
    SshSession session;
    String endpoint;
    String modelName;

    CreateRun(CreateRequest request, InstanceFiles files, Deadline deadline, Progress progress) {
        this.request = request;
        this.files = files;
        this.deadline = deadline;
        this.progress = progress;
    }

    String name() {
        return request.name();
    }

    Provider provider() {
        return request.chosenProvider();
    }

    /** What is left for the running step, at most {@code cap} (null: no cap); TIMEOUT when nothing is. */
    java.time.Duration left(java.time.Duration cap) {
        return deadline.remaining("step '" + step.name() + "'", cap);
    }

    java.time.Duration left() {
        return left(null);
    }

    void closeSession() {
        if (session != null) {
            session.close();
            session = null;
        }
    }

    /** Closes what the steps left open (the SSH session, the instance lock). */
    void close() {
        closeSession();
        if (lock != null) {
            lock.close();
            lock = null;
        }
    }
}
