package dev.vmbox.app.instance;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One instance as {@code list} and {@code status} show it: the live state from the provider, and apart from it
 * how far vmbox got according to the record.
 *
 * @param name     instance name
 * @param state    the VM's state as the provider reports it now (RUNNING, STOPPED, STARTING, NOT_CREATED ...);
 *                 BROKEN when the provider says so, when the record cannot be read, or when the provider no
 *                 longer has the VM a finished create made; UNKNOWN when the provider could not be asked
 * @param phase    from the record: ready, creating (not finished, or interrupted) or failed (a create that
 *                 failed and was kept); null when the record cannot be read
 * @param provider libvirt, lima, multipass
 * @param runtime  ollama, llama-cpp, vllm
 * @param model    the model reference
 * @param api      the host endpoint of the API (http://127.0.0.1:11434)
 * @param tunnel   up, connecting, down; null when the VM is not running
 * @param autostart on when the tunnel (and, where vmbox sets it, the VM) starts with the host; shown by status only
 * @param egress   sealed, fetch-window, open
 * @param detail   what is wrong, or a note: the record's phase first (why a create failed), then the provider's
 * @param image    the image the VM was made from
 * @param imageManifestSha256 sha256 of that image's manifest.json, when it is a runtime image
 * @param modelSha256 sha256 of the model file the guest received (single-file models)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstanceView(String name, String state, String phase, String provider, String runtime, String model,
                           String api, String tunnel, String autostart, String egress, String cpus, String memory,
                           String disk, String detail, String image, String imageManifestSha256, String modelSha256) {

    /** An instance whose record cannot be read: nothing is known of it but the reason. */
    static InstanceView unreadable(String name, String why) {
        return new InstanceView(name, "BROKEN", null, null, null, null, null, null, null, null, null, null, null, why,
                null, null, null);
    }
}
