package dev.vmbox.app.instance;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One instance as {@code list} and {@code status} show it: live state from the provider, intent from the record.
 *
 * @param name     instance name
 * @param state    RUNNING, STOPPED ... from the provider; BROKEN when the record or the VM is unusable;
 *                 UNKNOWN when the provider could not be asked
 * @param provider libvirt, lima, multipass
 * @param runtime  ollama, llama-cpp, vllm
 * @param model    the model reference
 * @param api      the host endpoint of the API (http://127.0.0.1:11434)
 * @param tunnel   up, down, or null when the VM is not running
 * @param egress   sealed, fetch-window, open
 * @param detail   what is wrong, or a note
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstanceView(String name, String state, String provider, String runtime, String model, String api,
                           String tunnel, String egress, String cpus, String memory, String disk, String detail) {
}
