package dev.vmbox.model.sizing;

import static dev.vmbox.model.sizing.Sizes.GIB;
import static dev.vmbox.model.sizing.Sizes.MIB;
import static dev.vmbox.model.sizing.Sizes.human;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.model.ModelInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Sizes a VM for a model and checks the host can afford it.
 *
 * <pre>
 * memory = weights + KV cache(context) + compute buffers + runtime + guest OS   (the parts on a GPU excepted)
 * KV     = context x 2 x layers x KV heads x head size x bytes per element
 * disk   = image + runtime install + model + headroom
 * </pre>
 *
 * With a GPU, the whole model goes to VRAM when weights + KV + buffers + the CUDA reserve fit; otherwise
 * as many layers as fit are offloaded (llama.cpp/Ollama) and the rest stays in guest RAM. vLLM needs the
 * whole model in {@value #VLLM_GPU_UTILIZATION} of the VRAM (its default {@code gpu_memory_utilization}).
 * The host keeps {@code max(2 GiB, 10%)} of its memory and one CPU for itself.
 */
public final class Sizer {
    /** Context reserved when the user does not ask for one (capped at the trained context). */
    public static final int DEFAULT_CONTEXT = 8192;
    static final long OS_BYTES = GIB;
    static final long IMAGE_BYTES = 4 * GIB;
    static final long GPU_RESERVE_BYTES = 512 * MIB;
    static final long LOAD_HEADROOM_BYTES = GIB;
    static final double VLLM_GPU_UTILIZATION = 0.90;
    static final int MAX_CPUS = 16;

    private Sizer() {
    }

    /** Plans the VM, or refuses with the numbers when the host or the overrides cannot hold the model. */
    public static Plan plan(SizingRequest req, HostResources host) {
        ModelInfo m = req.model();
        RuntimeNeeds rt = req.runtime();
        List<String> why = new ArrayList<>();
        why.add(String.format(Locale.ROOT, "model: %s (%s, %.2f B parameters, %s; figures from %s)", m.name(),
                m.architecture(), m.parameterCount() / 1e9, m.quantization(), m.source()));
        if (m.format() != rt.format()) {
            why.add("note: " + rt.name() + " serves " + rt.format() + " natively; this model is " + m.format());
        }

        // context and KV cache
        int ctx = context(req, m, why);
        long kvPerToken = m.kvCacheBytesPerToken(req.kvCache());
        long kv = Math.multiplyExact(kvPerToken, (long) ctx);
        why.add(String.format(Locale.ROOT, "KV cache: %d tokens x %s/token = %s (2 x %d layers x %d KV heads x %d head size x %s bytes, %s)",
                ctx, perToken(kvPerToken), human(kv), m.blockCount(), m.headCountKv(), (m.keyLength() + m.valueLength()) / 2,
                trim(req.kvCache().bytesPerElement()), req.kvCache().id()));
        long weights = m.weightsBytes();
        why.add("weights: " + human(weights));
        long compute = 256 * MIB + (long) ctx * m.embeddingLength() * 16L;
        long runtime = rt.memoryOverheadBytes();
        why.add("compute buffers: " + human(compute) + " (256 MiB + context x embedding x 16 bytes); runtime "
                + rt.name() + ": " + human(runtime) + "; guest OS: " + human(OS_BYTES));

        // placement: GPU or CPU
        Optional<Gpu> gpu = req.gpuMode() == GpuMode.OFF ? Optional.empty()
                : host.gpus().stream().max(Comparator.comparingLong(Gpu::vramBytes));
        if (req.gpuMode() == GpuMode.REQUIRED && gpu.isEmpty() && host.read()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "a GPU is required but this host offers none for passthrough",
                    "run on a host with a GPU bound to vfio-pci, or drop the GPU requirement");
        }
        if (rt.gpuOnly() && gpu.isEmpty() && host.read()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, rt.name() + " needs a GPU and "
                    + (req.gpuMode() == GpuMode.OFF ? "GPU use was turned off" : "this host offers none for passthrough"),
                    "use --runtime ollama or --runtime llama.cpp for CPU inference");
        }
        Plan.GpuPlan gpuPlan = null;
        long inRam;
        if (gpu.isPresent()) {
            Gpu g = gpu.get();
            long fullNeed = weights + kv + compute + GPU_RESERVE_BYTES;
            if (rt.gpuOnly()) {
                long usable = (long) (g.vramBytes() * VLLM_GPU_UTILIZATION);
                if (weights + kv + compute > usable) {
                    throw new VmboxException(ExitCode.UNAVAILABLE, String.format(Locale.ROOT,
                            "%s does not fit the GPU for vllm: weights %s + KV cache %s + buffers %s = %s, but %s has %s (%.0f%% usable = %s)",
                            m.name(), human(weights), human(kv), human(compute), human(weights + kv + compute), g.name(),
                            human(g.vramBytes()), VLLM_GPU_UTILIZATION * 100, human(usable)),
                            "choose a smaller model or quantisation, a shorter --context, or --runtime llama.cpp (partial offload)");
                }
                gpuPlan = new Plan.GpuPlan(g.name(), g.pciAddress(), g.vramBytes(), weights + kv + compute,
                        m.blockCount(), m.blockCount(), true);
                inRam = runtime + OS_BYTES + LOAD_HEADROOM_BYTES;
                why.add("GPU: " + g.name() + " (" + human(g.vramBytes()) + "): the whole model fits in vLLM's "
                        + Math.round(VLLM_GPU_UTILIZATION * 100) + "% share (" + human(weights + kv + compute) + ")");
            } else if (fullNeed <= g.vramBytes()) {
                gpuPlan = new Plan.GpuPlan(g.name(), g.pciAddress(), g.vramBytes(), fullNeed, m.blockCount(),
                        m.blockCount(), true);
                inRam = runtime + OS_BYTES + LOAD_HEADROOM_BYTES;
                why.add("GPU: " + g.name() + " (" + human(g.vramBytes()) + "): all " + m.blockCount()
                        + " layers fit (needs " + human(fullNeed) + " incl. " + human(GPU_RESERVE_BYTES) + " CUDA reserve)");
            } else {
                long perLayer = (long) Math.ceil((weights * 0.97 + kv) / m.blockCount());
                long room = g.vramBytes() - GPU_RESERVE_BYTES - compute;
                int layers = room <= 0 ? 0 : (int) Math.min(m.blockCount() - 1, room / perLayer);
                if (layers > 0) {
                    long onGpu = layers * perLayer;
                    gpuPlan = new Plan.GpuPlan(g.name(), g.pciAddress(), g.vramBytes(), onGpu + compute + GPU_RESERVE_BYTES,
                            layers, m.blockCount(), false);
                    inRam = weights + kv - onGpu + compute + runtime + OS_BYTES;
                    why.add("GPU: " + g.name() + " (" + human(g.vramBytes()) + ") cannot hold the whole model ("
                            + human(fullNeed) + "): " + layers + " of " + m.blockCount() + " layers offloaded ("
                            + human(perLayer) + " each), the rest runs on the CPUs");
                } else {
                    inRam = weights + kv + compute + runtime + OS_BYTES;
                    why.add("GPU: " + g.name() + " (" + human(g.vramBytes()) + ") is too small for even one layer; CPU inference");
                }
            }
        } else {
            inRam = weights + kv + compute + runtime + OS_BYTES;
            why.add(req.gpuMode() == GpuMode.OFF ? "GPU: off (as asked); CPU inference" : !host.read()
                    ? "GPU: chosen when the host is read; sized here for CPU inference" : "GPU: none on this host; CPU inference");
        }

        // memory
        long memory = Sizes.roundUp(inRam, GIB);
        why.add("memory: " + human(inRam) + " in guest RAM, rounded up to " + human(memory));
        long hostReserve = Math.max(2 * GIB, host.memoryBytes() / 10);
        long hostUsable = host.memoryBytes() - hostReserve;
        if (req.memoryBytes() != null) {
            long asked = req.memoryBytes();
            if (asked < inRam) {
                throw VmboxException.badInput("--memory " + human(asked) + " is less than the " + human(inRam) + " "
                        + m.name() + " needs (" + breakdown(weights, kv, compute, runtime, gpuPlan) + ")",
                        "give at least --memory " + human(memory) + ", or a shorter --context / smaller quantisation");
            }
            memory = asked;
            why.add("memory: --memory " + human(asked) + " given, used instead");
        }
        if (!host.read()) {
            why.add("host: not read (a dry run does not contact the host the VM runs on; the run checks it first)");
        } else if (memory > hostUsable) {
            throw new VmboxException(ExitCode.UNAVAILABLE, m.name() + " needs " + human(memory) + " of memory ("
                    + breakdown(weights, kv, compute, runtime, gpuPlan) + ") but this host can give " + human(Math.max(0, hostUsable))
                    + " (" + human(host.memoryBytes()) + " less " + human(hostReserve) + " kept for the host)",
                    "choose a smaller model or quantisation, a shorter --context, a q8_0 KV cache, or a host with more memory");
        }
        if (host.read()) {
            why.add("host memory: " + human(memory) + " of " + human(hostUsable) + " usable (" + human(host.memoryBytes())
                    + " less " + human(hostReserve) + " kept for the host)");
        }

        // CPUs
        int available = host.read() ? Math.max(1, host.cpus() - 1) : MAX_CPUS;
        int cpus;
        if (req.cpus() != null) {
            if (req.cpus() < 1 || (host.read() && req.cpus() > host.cpus())) {
                throw VmboxException.badInput("--cpus " + req.cpus() + " is not between 1 and the host's " + host.cpus(),
                        "give --cpus " + available + " or fewer");
            }
            cpus = req.cpus();
            why.add("cpus: --cpus " + cpus + " given");
        } else if (gpuPlan != null && gpuPlan.full()) {
            cpus = Math.min(available, 4);
            why.add("cpus: " + cpus + " (the GPU does the inference; host has " + host.cpus() + ", one kept for it)");
        } else {
            cpus = Math.min(available, MAX_CPUS);
            if (cpus < 2 && available >= 2) {
                cpus = 2;
            }
            why.add("cpus: " + cpus + " (CPU inference scales with cores up to memory bandwidth; " + (host.read()
                    ? "host has " + host.cpus() + ", one kept for it" + (available > MAX_CPUS ? ", capped at " + MAX_CPUS : "")
                    : "at most " + MAX_CPUS + ", and at most the host's CPUs less one when the run reads them") + ")");
        }

        // disk
        long headroom = Math.max(2 * GIB, weights / 10);
        long diskNeed = IMAGE_BYTES + rt.installDiskBytes() + weights + headroom;
        long disk = Sizes.roundUp(diskNeed, GIB);
        why.add("disk: image " + human(IMAGE_BYTES) + " + " + rt.name() + " " + human(rt.installDiskBytes()) + " + model "
                + human(weights) + " + headroom " + human(headroom) + " = " + human(disk));
        if (req.diskBytes() != null) {
            if (req.diskBytes() < diskNeed) {
                throw VmboxException.badInput("--disk " + human(req.diskBytes()) + " is less than the " + human(diskNeed)
                        + " needed (image, runtime, model, headroom)", "give at least --disk " + human(disk));
            }
            disk = req.diskBytes();
            why.add("disk: --disk " + human(disk) + " given, used instead");
        }
        if (host.cacheFreeBytes().isPresent()) {
            long cacheFree = host.cacheFreeBytes().getAsLong();
            if (host.freeDiskBytes() != HostResources.UNKNOWN && disk > host.freeDiskBytes()) {
                throw new VmboxException(ExitCode.UNAVAILABLE, "the VM disk needs " + human(disk)
                        + " on the host it runs on, but its storage pool has " + human(host.freeDiskBytes()) + " free",
                        "free space in the libvirt host's pool 'vmbox', or give a smaller --disk");
            }
            if (weights > cacheFree) {
                throw new VmboxException(ExitCode.UNAVAILABLE, "the download cache needs " + human(weights)
                        + " on this machine, which has " + human(cacheFree) + " free",
                        "free disk space, or point VMBOX_HOME at a larger disk");
            }
            why.add("host disk: VM disk " + human(disk) + (host.freeDiskBytes() == HostResources.UNKNOWN
                    ? " where it runs (free space unknown until its storage pool is made)"
                    : " of " + human(host.freeDiskBytes()) + " free where it runs")
                    + "; download cache " + human(weights) + " of " + human(cacheFree) + " free here");
        } else {
            long hostDiskNeed = disk + weights;
            if (hostDiskNeed > host.freeDiskBytes()) {
                throw new VmboxException(ExitCode.UNAVAILABLE, "the VM disk (" + human(disk) + ") and the download cache ("
                        + human(weights) + ") need " + human(hostDiskNeed) + " but the host has " + human(host.freeDiskBytes())
                        + " free", "free disk space, or point VMBOX_HOME at a larger disk");
            }
            why.add("host disk: " + human(hostDiskNeed) + " (VM disk + download cache) of " + human(host.freeDiskBytes()) + " free");
        }

        long memoryMax = memory - OS_BYTES / 2;
        why.add("runtime MemoryMax: " + human(memoryMax) + " (the VM's memory less half a GiB for the OS)");
        Plan.MemoryBreakdown mb = new Plan.MemoryBreakdown(weights, kv, compute, runtime, OS_BYTES, inRam);
        return new Plan(m.name(), m.source(), m.architecture(), m.parameterCount(), m.quantization(), rt.name(), ctx,
                req.kvCache().id(), cpus, memory, disk, memoryMax, mb, gpuPlan, why);
    }

    private static int context(SizingRequest req, ModelInfo m, List<String> why) {
        int trained = m.contextLength();
        if (req.contextLength() > 0) {
            if (req.contextLength() > trained) {
                throw VmboxException.badInput("--context " + req.contextLength() + " is longer than the " + trained
                        + " tokens " + m.name() + " was trained for", "give --context " + trained + " or less");
            }
            if (req.contextLength() < 256) {
                throw VmboxException.badInput("--context " + req.contextLength() + " is too short to be useful",
                        "give --context 256 or more (vmbox's default is " + DEFAULT_CONTEXT + ")");
            }
            why.add("context: " + req.contextLength() + " tokens (asked; trained for " + trained + ")");
            return req.contextLength();
        }
        int ctx = Math.min(trained, DEFAULT_CONTEXT);
        why.add("context: " + ctx + " tokens (vmbox default " + DEFAULT_CONTEXT + ", trained for " + trained
                + "; --context changes it)");
        return ctx;
    }

    private static String breakdown(long weights, long kv, long compute, long runtime, Plan.GpuPlan gpu) {
        return "weights " + human(weights) + " + KV cache " + human(kv) + " + buffers " + human(compute) + " + runtime "
                + human(runtime) + " + OS " + human(OS_BYTES) + (gpu == null ? "" : ", less what sits on the GPU");
    }

    private static String perToken(long bytes) {
        return bytes >= 1024 ? String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0) : bytes + " B";
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.4f", d);
    }
}
