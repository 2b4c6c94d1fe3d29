package dev.vmbox.app.create;

import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.DownloadListener;
import dev.vmbox.download.Sha256;
import dev.vmbox.model.ModelFormat;
import dev.vmbox.model.ModelFormats;
import dev.vmbox.model.ModelInfo;
import dev.vmbox.model.ModelRef;
import dev.vmbox.model.fetch.HuggingFaceFiles;
import dev.vmbox.model.fetch.ModelInspector;
import dev.vmbox.model.fetch.OllamaManifest;
import dev.vmbox.model.fetch.OllamaRegistry;
import dev.vmbox.model.fetch.StagedOllamaModel;
import dev.vmbox.runtime.FetchedRuntime;
import dev.vmbox.runtime.RuntimeFetcher;
import dev.vmbox.runtime.RuntimeKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The sealed policy's host side: the runtime's pinned release (or {@code --runtime-bundle}) and the
 * model (Ollama registry blobs, a {@code hf:} file, or {@code --model-file}), each verified by sha256 on
 * the host before anything reaches the guest.
 */
public final class HostPayloadSource implements PayloadSource {
    /** What the user supplied for an air-gapped host, and the checksums vouching for it. */
    public record Options(ModelRef model, Optional<Path> runtimeBundle, Optional<String> runtimeSha256,
                          Optional<String> modelSha256, String platform) {
    }

    private final RuntimeFetcher runtimes;
    private final Optional<OllamaRegistry> registry;
    private final Optional<HuggingFaceFiles> hub;
    private final ContentCache cache;
    private final Path stagingRoot;
    private final Options options;

    public HostPayloadSource(RuntimeFetcher runtimes, Optional<OllamaRegistry> registry, Optional<HuggingFaceFiles> hub,
                             ContentCache cache, Path stagingRoot, Options options) {
        this.runtimes = runtimes;
        this.registry = registry;
        this.hub = hub;
        this.cache = cache;
        this.stagingRoot = stagingRoot;
        this.options = options;
    }

    static RuntimeKind kindOf(dev.vmbox.cloudinit.RuntimeKind k) {
        return switch (k) {
            case OLLAMA -> RuntimeKind.OLLAMA;
            case LLAMA_CPP -> RuntimeKind.LLAMA_CPP;
            case VLLM -> RuntimeKind.VLLM;
        };
    }

    @Override
    public Payload fetch(CreateRequest request, Progress.Step step) {
        DownloadListener listener = p -> step.transfer(p.name(), p.bytes(), p.totalBytes(), p.bytesPerSecond());
        RuntimeKind kind = kindOf(request.runtime());
        List<String> notes = new ArrayList<>();
        FetchedRuntime rt = runtimes.obtain(kind, options.platform(), options.runtimeBundle(), options.runtimeSha256(),
                listener);
        if ("none".equals(rt.verifiedAgainst())) {
            notes.add("runtime bundle " + options.runtimeBundle().map(Path::toString).orElse("") + " has no pinned "
                    + "checksum; used as given (sha256 " + rt.sha256() + ")");
        }
        Path staging = stagingRoot.resolve(request.name());
        List<Payload.ModelFile> files = new ArrayList<>();
        String modelName;
        ModelRef ref = options.model();
        if (ref instanceof ModelRef.Ollama o && kind == RuntimeKind.OLLAMA) {
            OllamaRegistry reg = registry.orElseThrow(() -> VmboxException.badInput(o.canonical()
                    + " must be downloaded from the Ollama registry, which is not reachable here",
                    "pass the model's GGUF file with --model-file (air-gapped hosts)"));
            OllamaManifest manifest = reg.manifest(o, Optional.empty());
            StagedOllamaModel staged = reg.stage(o, manifest, staging, cache, listener);
            files.addAll(tree(staged.modelsDir()));
            modelName = o.canonical();
        } else if (ref instanceof ModelRef.Ollama o) {
            throw VmboxException.badInput(o.canonical() + " is an Ollama library name; " + kind.cliName()
                    + " needs a model file", "use --model hf:ORG/REPO/FILE.gguf or --model-file FILE");
        } else {
            Path file = localFile(ref, listener);
            ModelFormat format = ModelFormats.detect(file);
            String sha = options.modelSha256().map(s -> Sha256.parse(s, "--model-sha256")).orElse(null);
            String actual = Sha256.of(file);
            if (sha != null && !sha.equals(actual)) {
                throw new VmboxException(dev.vmbox.ExitCode.SECURITY, "model file " + file + " has sha256 " + actual
                        + ", not the " + sha + " given with --model-sha256", "check you have the right file");
            }
            ModelInfo info = ModelInspector.inspectFile(file);
            switch (kind) {
                case OLLAMA -> {
                    requireGguf(format, file, kind);
                    modelName = OllamaLocalModel.nameFor(file);
                    files.addAll(OllamaLocalModel.layout(file, actual, info, modelName, staging));
                }
                case LLAMA_CPP -> {
                    requireGguf(format, file, kind);
                    modelName = file.getFileName().toString();
                    files.add(new Payload.ModelFile(file, "model.gguf"));
                }
                default -> {
                    if (format != ModelFormat.SAFETENSORS) {
                        throw VmboxException.badInput("vLLM serves safetensors models; " + file + " is " + format,
                                "pass a safetensors model folder's file, or use --runtime ollama for GGUF");
                    }
                    modelName = file.getFileName().toString();
                    files.add(new Payload.ModelFile(file, "model/" + file.getFileName()));
                }
            }
            notes.add("model " + file.getFileName() + " sha256 " + actual + (sha != null ? " (checked against --model-sha256)" : ""));
        }
        return new Payload(rt.file(), rt.version() + " (" + rt.verifiedAgainst() + ")", rt.archive(), files, modelName,
                notes);
    }

    private Path localFile(ModelRef ref, DownloadListener listener) {
        if (ref instanceof ModelRef.LocalFile f) {
            return f.path();
        }
        ModelRef.HuggingFace h = (ModelRef.HuggingFace) ref;
        HuggingFaceFiles hf = hub.orElseThrow(() -> VmboxException.badInput("cannot reach Hugging Face to fetch "
                + h.canonical(), "download the file elsewhere and pass it with --model-file"));
        return hf.download(hf.resolve(h, options.modelSha256()), cache, listener);
    }

    private static void requireGguf(ModelFormat format, Path file, RuntimeKind kind) {
        if (format != ModelFormat.GGUF) {
            throw VmboxException.badInput(kind.cliName() + " serves GGUF models; " + file + " is " + format,
                    "convert it to GGUF, or use --runtime vllm for safetensors");
        }
    }

    /** Every file under {@code dir}, with its path relative to it. */
    private static List<Payload.ModelFile> tree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted()
                    .map(p -> new Payload.ModelFile(p, dir.relativize(p).toString().replace('\\', '/'))).toList();
        } catch (IOException e) {
            throw VmboxException.failed("cannot read the staged model in " + dir + ": " + e.getMessage(), null, e);
        }
    }
}
