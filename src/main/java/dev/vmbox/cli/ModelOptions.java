package dev.vmbox.cli;

import dev.vmbox.VmboxException;
import dev.vmbox.app.plan.PlanRequest;
import dev.vmbox.download.Sha256;
import dev.vmbox.model.KvCacheType;
import dev.vmbox.model.ModelRef;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.spec.HostFile;
import dev.vmbox.spec.Names;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import picocli.CommandLine.Option;

/** The options that decide what is served and how big the VM is; shared by {@code plan} and {@code create}. */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "REF",
            description = "Ollama name (llama3.1:8b), a local .gguf/.safetensors file, or hf:ORG/REPO/FILE.gguf "
                    + "(default: the `model` setting, qwen2.5:0.5b). Not together with --model-file.")
    String model;

    @Option(names = "--model-file", paramLabel = "FILE",
            description = "The model's file on this host (air-gapped hosts): used instead of downloading it. "
                    + "Not together with -m.")
    Path modelFile;

    @Option(names = "--model-sha256", paramLabel = "HEX", description = "The sha256 the model file must have.")
    String modelSha256;

    @Option(names = {"-r", "--runtime"}, paramLabel = "NAME",
            description = "ollama (default), llama.cpp or vllm (GPU only).")
    String runtime;

    @Option(names = "--context", paramLabel = "TOKENS",
            description = "Tokens of context to size the KV cache for, 1 or more (default 8192, at most the model's own).")
    Integer context;

    @Option(names = "--kv-cache", paramLabel = "TYPE", defaultValue = "f16", description = "KV cache type: f16, q8_0 or q4_0.")
    String kvCache;

    @Option(names = "--gpu", paramLabel = "auto|none|PCI", defaultValue = "none",
            description = "Pass a GPU through: auto (the best one that fits), none (default), or a PCI address.")
    String gpu;

    @Option(names = "--gpu-memory", paramLabel = "SIZE", description = "The GPU's memory, when the host cannot read it (e.g. 24GiB).")
    String gpuMemory;

    @Option(names = "--cpus", paramLabel = "N", description = "vCPUs instead of the planned number.")
    Integer cpus;

    @Option(names = "--memory", paramLabel = "SIZE", description = "VM memory instead of the planned size (e.g. 8GiB).")
    String memory;

    @Option(names = "--disk", paramLabel = "SIZE", description = "VM disk instead of the planned size (e.g. 40GiB).")
    String disk;

    String modelText(VmboxCommand root) {
        if (model != null && modelFile != null) {
            throw VmboxException.badInput("-m/--model " + Names.forMessage(model) + " and --model-file " + Names.forMessage(
                    modelFile.toString()) + " both name the model", "give one: -m REF (a name, a path or hf:...), or "
                    + "--model-file FILE for a file on this host");
        }
        if (model != null) {
            return model;
        }
        if (modelFile != null) {
            return modelFile.toString();
        }
        return root.config().get("model");
    }

    RuntimeKind runtime(VmboxCommand root) {
        return RuntimeKind.parse(runtime != null ? runtime : root.config().get("runtime"));
    }

    /**
     * What to plan for, every value checked by its rule before anything reads the model or runs a command: a model file
     * (by --model-file or a path as -m) must be a regular file to read ({@link HostFile}), vCPUs and context at least 1.
     */
    PlanRequest planRequest(VmboxCommand root) {
        String text = modelText(root);
        if (modelFile != null) {
            HostFile.require(modelFile, "--model-file");
        }
        ModelRef ref = ModelRef.parse(text);
        if (modelFile == null && ref instanceof ModelRef.LocalFile local) {
            HostFile.require(local.path(), model != null ? "-m/--model" : "the model setting");
        }
        if (modelSha256 != null && modelFile == null && ref instanceof ModelRef.Ollama) {
            throw VmboxException.badInput("--model-sha256 does not apply to an Ollama name: every blob is checked "
                    + "against the registry manifest's digests", "drop --model-sha256, or pass the GGUF with --model-file");
        }
        if (modelSha256 != null) {
            Sha256.parse(modelSha256, "--model-sha256");
        }
        if (cpus != null && cpus < 1) {
            throw VmboxException.badInput("--cpus " + cpus + " is below 1", "give 1 or more vCPUs, or leave --cpus out for the plan's");
        }
        if (context != null && context < 1) {
            throw VmboxException.badInput("--context " + context + " is below 1 token",
                    "give the tokens of context to size for (e.g. --context 8192), or leave it out for the default");
        }
        return new PlanRequest(ref, Optional.ofNullable(modelFile).map(p -> p.toAbsolutePath().normalize()),
                Optional.ofNullable(modelSha256), runtime(root), context == null ? 0 : context, KvCacheType.parse(kvCache),
                GpuRequest.parse(gpu),
                gpuMemory == null ? OptionalLong.empty() : OptionalLong.of(ByteSize.parse(gpuMemory).bytes()), cpus,
                memory == null ? null : ByteSize.parse(memory).bytes(), disk == null ? null : ByteSize.parse(disk).bytes());
    }
}
