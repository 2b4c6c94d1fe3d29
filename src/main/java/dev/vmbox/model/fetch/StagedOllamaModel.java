package dev.vmbox.model.fetch;

import java.nio.file.Path;
import java.util.List;

/**
 * An Ollama model laid out on the host exactly as the guest's Ollama expects it under its models folder
 * ({@code OLLAMA_MODELS}), ready to upload:
 * {@code models/manifests/registry.ollama.ai/<namespace>/<name>/<tag>} and {@code models/blobs/sha256-<hex>}.
 *
 * @param modelsDir     the {@code models} folder to copy into the guest
 * @param manifestFile  the manifest inside it
 * @param blobs         every blob file inside it
 * @param modelBlob     the GGUF weights blob (read it with the GGUF reader for exact sizing)
 * @param manifest      the parsed manifest
 */
public record StagedOllamaModel(Path modelsDir, Path manifestFile, List<Path> blobs, Path modelBlob,
        OllamaManifest manifest) {
    public StagedOllamaModel {
        blobs = List.copyOf(blobs);
    }
}
