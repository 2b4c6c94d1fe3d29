package dev.vmbox.app.plan;

import dev.vmbox.model.KvCacheType;
import dev.vmbox.model.ModelRef;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.GpuRequest;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What to plan a VM for.
 *
 * @param model       the model reference (an Ollama name, a file, or hf:)
 * @param modelFile   {@code --model-file}: the model's file on this host, when given
 * @param modelSha256 {@code --model-sha256}
 * @param runtime     the model server
 * @param context     tokens of context (0 = default)
 * @param kvCache     KV cache element type
 * @param gpu         {@code --gpu auto|none|ADDRESS}
 * @param gpuMemory   {@code --gpu-memory}, for a card whose memory the host cannot read
 * @param cpus        {@code --cpus} or null
 * @param memoryBytes {@code --memory} or null
 * @param diskBytes   {@code --disk} or null
 */
public record PlanRequest(ModelRef model, Optional<Path> modelFile, Optional<String> modelSha256, RuntimeKind runtime,
                          int context, KvCacheType kvCache, GpuRequest gpu, OptionalLong gpuMemory, Integer cpus,
                          Long memoryBytes, Long diskBytes) {
}
