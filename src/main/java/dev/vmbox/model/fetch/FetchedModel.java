package dev.vmbox.model.fetch;

import dev.vmbox.model.ModelInfo;
import dev.vmbox.model.ModelRef;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model on the host, verified and ready to upload to the guest.
 *
 * @param ref             what the user asked for
 * @param info            its exact shape and size, read from the file itself
 * @param modelFile       the weights file (GGUF or first safetensors shard)
 * @param sha256          the weights file's digest
 * @param verifiedAgainst "registry" (Ollama blob digest), "huggingface-api", "user" (--model-sha256),
 *                        "huggingface-api+user", or "none" (a local file given without a checksum: recorded only)
 * @param ollamaLayout    for Ollama registry models: the staged models folder to copy as a whole
 */
public record FetchedModel(ModelRef ref, ModelInfo info, Path modelFile, String sha256, String verifiedAgainst,
        Optional<StagedOllamaModel> ollamaLayout) {
}
