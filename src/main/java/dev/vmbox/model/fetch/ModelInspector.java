package dev.vmbox.model.fetch;

import dev.vmbox.VmboxException;
import dev.vmbox.model.ModelCatalog;
import dev.vmbox.model.ModelFormat;
import dev.vmbox.model.ModelFormats;
import dev.vmbox.model.ModelInfo;
import dev.vmbox.model.ModelRef;
import dev.vmbox.model.SafetensorsInfo;
import dev.vmbox.model.gguf.GgufReader;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds a model's shape and size for planning, downloading as little as possible:
 * <ul>
 * <li>a local file: its GGUF header (or safetensors header plus config.json);</li>
 * <li>an Ollama name: the built-in catalogue, else the registry manifest plus the first bytes of the
 * weights blob (an HTTP range request) to read its GGUF header;</li>
 * <li>{@code hf:}: the Hub API for size and sha256, plus the first bytes of the file.</li>
 * </ul>
 * Without a registry or Hub client (offline), only local files and catalogue names can be planned.
 */
public record ModelInspector(ModelCatalog catalog, Optional<OllamaRegistry> registry, Optional<HuggingFaceFiles> hub,
                             Path tempDir, long headerBytes) {
    /** Enough for the header of any current GGUF (tokenizer arrays of 256k tokens take ~10 MB). */
    public static final long DEFAULT_HEADER_BYTES = 32L << 20;


    /**
     * @param modelSha256 {@code --model-sha256}, used to verify hf: files that the Hub lists no sha256 for
     */
    public ModelInfo inspect(ModelRef ref, Optional<String> modelSha256) {
        if (ref instanceof ModelRef.LocalFile f) {
            return inspectFile(f.path());
        }
        if (ref instanceof ModelRef.Ollama o) {
            Optional<ModelInfo> known = catalog.lookup(o);
            if (known.isPresent()) {
                return known.get();
            }
            OllamaRegistry reg = registry.orElseThrow(() -> VmboxException.badInput(o.canonical()
                    + " is not in vmbox's built-in catalogue and the registry is not reachable offline",
                    "pass the model's GGUF file with --model-file, or plan with network access"));
            OllamaManifest m = reg.manifest(o, Optional.empty());
            OllamaManifest.Layer layer = m.modelLayer().orElseThrow();
            ModelInfo info = fromPrefix(reg.prefix(o, layer, Math.min(headerBytes, layer.size())), layer.size(), o.canonical());
            return info.withWeightsBytes(layer.size(), "registry:" + o.canonical());
        }
        ModelRef.HuggingFace h = (ModelRef.HuggingFace) ref;
        HuggingFaceFiles hf = hub.orElseThrow(() -> VmboxException.badInput("cannot reach Hugging Face offline to size "
                + h.canonical(), "download the file and pass it with --model-file"));
        HuggingFaceFiles.Resolved r = hf.resolve(h, modelSha256);
        if (r.sizeBytes() <= 0) {
            throw VmboxException.badInput("Hugging Face lists no size for " + h.canonical(),
                    "download the file and pass it with --model-file");
        }
        ModelInfo info = fromPrefix(hf.prefix(r, Math.min(headerBytes, r.sizeBytes())), r.sizeBytes(), h.canonical());
        return info.withWeightsBytes(r.sizeBytes(), "huggingface:" + h.canonical());
    }

    /** Shape and size of a model file on this machine. */
    public static ModelInfo inspectFile(Path file) {
        ModelFormat format = ModelFormats.detect(file);
        String name = file.getFileName().toString();
        if (format == ModelFormat.SAFETENSORS) {
            return SafetensorsInfo.inspect(file);
        }
        return ModelInfo.fromGguf(GgufReader.read(file), name);
    }

    private ModelInfo fromPrefix(byte[] prefix, long fullSize, String name) {
        if (prefix.length < 4 || prefix[0] != 'G' || prefix[1] != 'G' || prefix[2] != 'U' || prefix[3] != 'F') {
            throw VmboxException.badInput(name + " is not a GGUF file", "vmbox serves GGUF models with Ollama and llama.cpp");
        }
        Path tmp = null;
        try {
            Files.createDirectories(tempDir);
            tmp = Files.createTempFile(tempDir, "gguf-header-", ".part");
            Files.write(tmp, prefix);
            return ModelInfo.fromGguf(new GgufReader().readPrefix(tmp, fullSize, name), name);
        } catch (IOException e) {
            throw VmboxException.failed("cannot write a temporary file in " + tempDir + ": " + e.getMessage(),
                    "check the free space and permissions there", e);
        } finally {
            SecureFiles.deleteQuietly(tmp);
        }
    }
}
