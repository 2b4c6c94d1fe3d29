package dev.vmbox.model.sizing;

import java.util.List;

/**
 * The sized VM for a model, with the reasoning behind every number. Serialisable to JSON as is (records
 * of plain values); {@code vmbox plan} prints {@link #reasoning()} line by line.
 *
 * @param model                  canonical model name
 * @param modelSource            where the model's figures come from (gguf:FILE, catalogue, estimate)
 * @param architecture           e.g. llama
 * @param parameterCount         weights
 * @param quantization           e.g. Q4_K_M
 * @param runtime                ollama, llama.cpp or vllm
 * @param contextLength          tokens of context the KV cache is sized for
 * @param kvCacheType            f16, q8_0 or q4_0
 * @param cpus                   vCPUs of the VM
 * @param memoryBytes            memory of the VM
 * @param diskBytes              disk of the VM
 * @param runtimeMemoryMaxBytes  MemoryMax= for the runtime's systemd unit (the VM's memory less the OS share)
 * @param memory                 how the memory adds up
 * @param gpu                    the GPU plan, or null when the model runs on CPUs only
 * @param reasoning              human-readable lines explaining each figure
 */
public record Plan(String model, String modelSource, String architecture, long parameterCount, String quantization,
        String runtime, int contextLength, String kvCacheType, int cpus, long memoryBytes, long diskBytes,
        long runtimeMemoryMaxBytes, MemoryBreakdown memory, GpuPlan gpu, List<String> reasoning) {

    public Plan {
        reasoning = List.copyOf(reasoning);
    }

    /**
     * The parts of the model's memory need, wherever they live (RAM or VRAM).
     *
     * @param weightsBytes     the model weights
     * @param kvCacheBytes     the KV cache for the context
     * @param computeBytes     compute buffers (activations, scratch)
     * @param runtimeBytes     the server process itself
     * @param osBytes          the guest operating system
     * @param inGuestRamBytes  what of the above must sit in guest RAM (the rest is in VRAM)
     */
    public record MemoryBreakdown(long weightsBytes, long kvCacheBytes, long computeBytes, long runtimeBytes, long osBytes,
            long inGuestRamBytes) {
    }

    /**
     * @param name             the GPU chosen for passthrough
     * @param pciAddress       its PCI address
     * @param vramBytes        its memory
     * @param vramNeededBytes  what the offloaded layers, their KV cache and buffers take
     * @param layersOffloaded  layers on the GPU (llama.cpp {@code -ngl}, Ollama {@code num_gpu})
     * @param totalLayers      layers of the model
     * @param full             whether the whole model is on the GPU
     */
    public record GpuPlan(String name, String pciAddress, long vramBytes, long vramNeededBytes, int layersOffloaded,
            int totalLayers, boolean full) {
    }
}
