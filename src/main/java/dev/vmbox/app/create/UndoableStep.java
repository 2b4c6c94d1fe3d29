package dev.vmbox.app.create;

/**
 * A step that makes something its {@link #undo} removes: its name, what the undo removes, and whether it has made
 * anything yet (the loop undoes only steps that did, also when they failed half-way).
 */
abstract class UndoableStep implements CreateStep {
    private final String name;
    private final String undoes;
    private boolean made;

    UndoableStep(String name, String undoes) {
        this.name = name;
        this.undoes = undoes;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String undoes() {
        return undoes;
    }

    @Override
    public final boolean madeSomething() {
        return made;
    }

    /** From here on the undo has something to remove. */
    final void made() {
        made = true;
    }
}
