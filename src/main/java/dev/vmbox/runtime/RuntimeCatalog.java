package dev.vmbox.runtime;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vmbox.download.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The pinned runtime releases (resource {@code runtimes.yaml}, provenance documented there). */
public final class RuntimeCatalog {
    private record ArtifactEntry(String platform, String url, String sha256, long sizeBytes, String archive,
            String provenance) {
    }

    private record RecipeEntry(String kind, String version, List<ArtifactEntry> artifacts) {
    }

    private record Root(List<RecipeEntry> runtimes) {
    }

    private final Map<RuntimeKind, RuntimeRecipe> recipes;

    public RuntimeCatalog(List<RuntimeRecipe> recipes) {
        Map<RuntimeKind, RuntimeRecipe> m = new EnumMap<>(RuntimeKind.class);
        for (RuntimeRecipe r : recipes) {
            for (RuntimeArtifact a : r.artifacts()) {
                if (!Sha256.isValid(a.sha256())) {
                    throw new IllegalStateException("runtime " + r.kind() + " " + a.platform() + " has an invalid sha256");
                }
                if (!"https".equals(a.url().getScheme()) && !dev.vmbox.download.UrlPolicy.allowed(a.url())) {
                    throw new IllegalStateException("runtime " + r.kind() + " " + a.platform() + " URL is not https");
                }
            }
            m.put(r.kind(), r);
        }
        this.recipes = m;
    }

    public static RuntimeCatalog builtIn() {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        try (InputStream in = RuntimeCatalog.class.getResourceAsStream("runtimes.yaml")) {
            if (in == null) {
                throw new IllegalStateException("resource runtimes.yaml is missing from the vmbox jar");
            }
            List<RuntimeRecipe> out = new ArrayList<>();
            for (RecipeEntry e : yaml.readValue(in, Root.class).runtimes()) {
                List<RuntimeArtifact> arts = new ArrayList<>();
                for (ArtifactEntry a : e.artifacts()) {
                    arts.add(new RuntimeArtifact(a.platform(), URI.create(a.url()), a.sha256(), a.sizeBytes(), a.archive(),
                            a.provenance()));
                }
                out.add(new RuntimeRecipe(RuntimeKind.parse(e.kind()), e.version(), arts));
            }
            return new RuntimeCatalog(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the built-in runtime catalogue", e);
        }
    }

    public RuntimeRecipe recipe(RuntimeKind kind) {
        RuntimeRecipe r = recipes.get(kind);
        if (r == null) {
            throw new IllegalStateException("no recipe for runtime " + kind);
        }
        return r;
    }
}
