package dev.vmbox.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Built-in shapes and sizes of common Ollama library models (resource {@code catalog.yaml}, sources
 * cited there), so {@code vmbox plan llama3.1:8b} can size a VM before anything is downloaded.
 *
 * <p>Tags: {@code latest} and the size tag ({@code 8b}) give the default quantisation; a tag that ends in
 * a quantisation ({@code 8b-instruct-q8_0}, {@code 0.5b-instruct-fp16}) gives the same model with its size
 * estimated for that quantisation.
 */
public final class ModelCatalog {
    /** One catalogue entry, as in the resource file. */
    public record Entry(String name, List<String> tags, String architecture, long parameters, String quantization,
            int layers, int heads, int kvHeads, int headDim, int embedding, int context, long sizeBytes) {
    }

    private record Root(List<Entry> models) {
    }

    private static final String RESOURCE = "catalog.yaml";
    private final List<Entry> entries;

    public ModelCatalog(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static ModelCatalog builtIn() {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        try (InputStream in = ModelCatalog.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the vmbox jar");
            }
            return new ModelCatalog(yaml.readValue(in, Root.class).models());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the built-in model catalogue", e);
        }
    }

    public List<Entry> entries() {
        return entries;
    }

    /** The model for an Ollama library reference, if the catalogue knows it. */
    public Optional<ModelInfo> lookup(ModelRef.Ollama ref) {
        if (!ref.namespace().equals("library")) {
            return Optional.empty();
        }
        String tag = ref.tag().toLowerCase(Locale.ROOT);
        for (Entry e : entries) {
            if (!e.name().equals(ref.name())) {
                continue;
            }
            if (e.tags().contains(tag)) {
                return Optional.of(info(e, ref));
            }
            String[] parts = tag.split("-");
            if (parts.length >= 2 && e.tags().contains(parts[0])) {
                String last = parts[parts.length - 1];
                ModelInfo base = info(e, ref);
                if (Quantization.isKnown(last)) {
                    String q = Quantization.normalize(last);
                    return Optional.of(q.equals(e.quantization()) ? base : base.withQuantization(q));
                }
                return Optional.of(base);
            }
        }
        return Optional.empty();
    }

    private static ModelInfo info(Entry e, ModelRef.Ollama ref) {
        return new ModelInfo(ref.canonical(), e.architecture(), e.parameters(), e.quantization(), e.layers(), e.heads(),
                e.kvHeads(), e.embedding(), e.headDim(), e.headDim(), e.context(), e.sizeBytes(), ModelFormat.GGUF,
                "catalogue");
    }
}
