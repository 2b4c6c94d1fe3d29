package dev.vmbox.model.sizing;

import dev.vmbox.model.ModelFormat;
import java.util.Objects;

/**
 * What sizing needs to know of the model server (the runtime package says it for each runtime): so sizing depends
 * on figures, never on the list of runtimes.
 *
 * @param name                the runtime as the user names it ({@code ollama}, {@code llama.cpp}, {@code vllm})
 * @param format              the model format it serves natively
 * @param gpuOnly             it cannot run on the CPU
 * @param memoryOverheadBytes memory the server needs beyond the weights, KV cache and compute buffers
 * @param installDiskBytes    disk its installation takes in the guest
 */
public record RuntimeNeeds(String name, ModelFormat format, boolean gpuOnly, long memoryOverheadBytes, long installDiskBytes) {
    public RuntimeNeeds {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
    }
}
