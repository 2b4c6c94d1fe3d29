package dev.vmbox.model.sizing;

import dev.vmbox.model.KvCacheType;
import dev.vmbox.model.ModelInfo;
import java.util.Objects;

/**
 * What to size for.
 *
 * @param model          the model's shape and size
 * @param runtime        what the server that will run it needs
 * @param contextLength  tokens of context to reserve KV cache for; 0 = vmbox's default (8192, at most the
 *                       trained context)
 * @param kvCache        KV cache element type
 * @param gpuMode        GPU use
 * @param cpus           {@code --cpus}, or null
 * @param memoryBytes    {@code --memory}, or null
 * @param diskBytes      {@code --disk}, or null
 */
public record SizingRequest(ModelInfo model, RuntimeNeeds runtime, int contextLength, KvCacheType kvCache, GpuMode gpuMode,
        Integer cpus, Long memoryBytes, Long diskBytes) {
    public SizingRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(runtime, "runtime");
        kvCache = kvCache == null ? KvCacheType.F16 : kvCache;
        gpuMode = gpuMode == null ? GpuMode.AUTO : gpuMode;
    }

    public static SizingRequest of(ModelInfo model, RuntimeNeeds runtime) {
        return new SizingRequest(model, runtime, 0, KvCacheType.F16, GpuMode.AUTO, null, null, null);
    }

    public SizingRequest withContext(int tokens) {
        return new SizingRequest(model, runtime, tokens, kvCache, gpuMode, cpus, memoryBytes, diskBytes);
    }

    public SizingRequest withKvCache(KvCacheType t) {
        return new SizingRequest(model, runtime, contextLength, t, gpuMode, cpus, memoryBytes, diskBytes);
    }

    public SizingRequest withGpuMode(GpuMode m) {
        return new SizingRequest(model, runtime, contextLength, kvCache, m, cpus, memoryBytes, diskBytes);
    }

    /** The user's overrides; each may be null. */
    public SizingRequest withOverrides(Integer cpus, Long memoryBytes, Long diskBytes) {
        return new SizingRequest(model, runtime, contextLength, kvCache, gpuMode, cpus, memoryBytes, diskBytes);
    }
}
