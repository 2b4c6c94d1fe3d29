package dev.vmbox.runtime;

import java.util.List;
import java.util.Optional;

/** A runtime's pinned version and its release archives per guest platform (none for vLLM). */
public record RuntimeRecipe(RuntimeKind kind, String version, List<RuntimeArtifact> artifacts) {
    public RuntimeRecipe {
        artifacts = List.copyOf(artifacts);
    }

    public Optional<RuntimeArtifact> artifact(String platform) {
        return artifacts.stream().filter(a -> a.platform().equals(platform)).findFirst();
    }
}
