package dev.vmbox.provider;

/** The state of a VM as its provider reports it; never stored, always asked. */
public enum VmState {
    /** The provider knows no VM of that name. */
    NOT_CREATED,
    STOPPED,
    STARTING,
    RUNNING,
    PAUSED,
    STOPPING,
    /** The VM exists but is unusable or inconsistent (crashed, files missing); see the messages. */
    BROKEN
}
