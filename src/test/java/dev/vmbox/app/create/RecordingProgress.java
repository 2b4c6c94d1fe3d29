package dev.vmbox.app.create;

import dev.vmbox.app.progress.Progress;
import java.util.List;

/** Progress that records the names of the steps begun, in order, into a list the test holds. */
final class RecordingProgress implements Progress {
    private final List<String> steps;

    RecordingProgress(List<String> steps) {
        this.steps = steps;
    }

    @Override
    public void plan(List<String> s) {
    }

    @Override
    public Step begin(String name) {
        steps.add(name);
        return Progress.NONE.begin(name);
    }

    @Override
    public void note(String text) {
    }
}
