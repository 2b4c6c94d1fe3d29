package dev.vmbox.model.fetch;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.DownloadListener;
import dev.vmbox.download.Sha256;
import dev.vmbox.model.ModelInfo;
import dev.vmbox.model.ModelRef;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Gets the model onto the host for the sealed policy and proves it is the model asked for:
 * <ul>
 * <li>an Ollama name: manifest and blobs from the registry, each blob checked against its digest, staged
 * in Ollama's on-disk layout;</li>
 * <li>{@code hf:}: the file, checked against the Hub's LFS sha256 and/or {@code --model-sha256};</li>
 * <li>a local file, or {@code --model-file FILE} for air-gapped hosts: checked against
 * {@code --model-sha256} when given (and against the Hub's digest for an hf: reference when the Hub is
 * reachable), otherwise its digest is recorded.</li>
 * </ul>
 * Every result is re-read with the bounded GGUF (or safetensors) reader, so the plan is made from the
 * real file.
 *
 * @param registry    the Ollama registry client, empty on air-gapped hosts
 * @param hub         the Hugging Face client, empty on air-gapped hosts
 * @param cache       where verified downloads are kept
 * @param stagingRoot where Ollama layouts are built (one folder per model)
 */
public record ModelFetcher(Optional<OllamaRegistry> registry, Optional<HuggingFaceFiles> hub, ContentCache cache,
                           Path stagingRoot) {
    /** The Ollama registry client, empty on air-gapped hosts. */
    public Optional<OllamaRegistry> registry() {
        return registry;
    }

    public FetchedModel fetch(ModelRef ref, Optional<Path> modelFile, Optional<String> modelSha256,
            DownloadListener listener) {
        Optional<String> userSha = modelSha256.map(s -> Sha256.parse(s, "--model-sha256"));
        if (ref instanceof ModelRef.LocalFile f) {
            return local(ref, f.path(), userSha, Optional.empty());
        }
        if (modelFile.isPresent()) {
            Optional<String> hubSha = Optional.empty();
            if (ref instanceof ModelRef.HuggingFace h && hub.isPresent() && userSha.isEmpty()) {
                hubSha = Optional.of(hub.get().resolve(h, Optional.empty()).sha256());
            }
            return local(ref, modelFile.get().toAbsolutePath().normalize(), userSha, hubSha);
        }
        if (ref instanceof ModelRef.Ollama o) {
            OllamaRegistry reg = registry.orElseThrow(() -> offline(ref));
            OllamaManifest m = reg.manifest(o, Optional.empty());
            StagedOllamaModel staged = reg.stage(o, m, stagingRoot.resolve(m.digest()), cache, listener);
            ModelInfo info = ModelInspector.inspectFile(staged.modelBlob()).withName(o.canonical());
            return new FetchedModel(ref, info, staged.modelBlob(), m.modelLayer().orElseThrow().sha256(), "registry",
                    Optional.of(staged));
        }
        ModelRef.HuggingFace h = (ModelRef.HuggingFace) ref;
        HuggingFaceFiles hf = hub.orElseThrow(() -> offline(ref));
        HuggingFaceFiles.Resolved r = hf.resolve(h, userSha);
        Path file = hf.download(r, cache, listener);
        ModelInfo info = ModelInfo.fromGguf(dev.vmbox.model.gguf.GgufReader.read(file), h.canonical());
        return new FetchedModel(ref, info, file, r.sha256(), r.shaSource(), Optional.empty());
    }

    private FetchedModel local(ModelRef ref, Path file, Optional<String> userSha, Optional<String> hubSha) {
        ModelInfo info = ModelInspector.inspectFile(file).withName(ref.canonical());
        String got = Sha256.of(file);
        Optional<String> want = userSha.or(() -> hubSha);
        if (want.isPresent() && !want.get().equals(got)) {
            throw new VmboxException(ExitCode.SECURITY, "model file " + file + " has sha256 " + got + ", not the expected "
                    + want.get() + (userSha.isPresent() ? " (--model-sha256)" : " (listed by Hugging Face)"),
                    "the file is not the model you meant, or it was altered; get it again from its source");
        }
        String how = userSha.isPresent() ? "user" : hubSha.isPresent() ? "huggingface-api" : "none";
        return new FetchedModel(ref, info, file, got, how, Optional.empty());
    }

    private static VmboxException offline(ModelRef ref) {
        return VmboxException.badInput("cannot download " + ref.canonical() + " without network access",
                "on an air-gapped host pass the model with --model-file FILE (and --model-sha256)");
    }
}
