package dev.vmbox.model.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.VmboxException;
import dev.vmbox.download.Sha256;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An Ollama registry manifest (Docker distribution schema 2): a config blob and layers, each named by
 * its sha256 digest. Parsing checks every digest is exactly {@code sha256:<64 hex>} (a manifest is
 * attacker-controlled input: CVE-2024-37032 turned unchecked digests into path traversal), every size is
 * sane, and the media types are Ollama's.
 *
 * @param raw     the manifest bytes as served (written unchanged into the guest's model folder)
 * @param digest  sha256 of {@code raw}
 */
public record OllamaManifest(byte[] raw, String digest, Layer config, List<Layer> layers) {
    /** Layer media type of the GGUF weights. */
    public static final String MODEL_MEDIA_TYPE = "application/vnd.ollama.image.model";
    static final int MAX_LAYERS = 64;
    static final long MAX_LAYER_BYTES = 2L << 40;

    /** One blob: media type, digest ({@code sha256:<hex>}) and size. */
    public record Layer(String mediaType, String digest, long size) {
        /** The bare hex digest. */
        public String sha256() {
            return digest.substring("sha256:".length());
        }

        /** The blob's file name in Ollama's layout: {@code sha256-<hex>}. */
        public String blobFileName() {
            return "sha256-" + sha256();
        }
    }

    public OllamaManifest {
        raw = raw.clone();
        layers = List.copyOf(layers);
    }

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    /** All blobs: config first, then layers. */
    public List<Layer> blobs() {
        List<Layer> all = new ArrayList<>();
        all.add(config);
        all.addAll(layers);
        return all;
    }

    /** The GGUF weights layer. */
    public Optional<Layer> modelLayer() {
        return layers.stream().filter(l -> l.mediaType().equals(MODEL_MEDIA_TYPE)).findFirst();
    }

    public long totalBytes() {
        return blobs().stream().mapToLong(Layer::size).sum();
    }

    static OllamaManifest parse(byte[] raw, String what) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(raw);
        } catch (IOException e) {
            throw bad(what, "it is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw bad(what, "it is not a JSON object");
        }
        if (root.path("schemaVersion").asInt(-1) != 2) {
            throw bad(what, "schemaVersion is not 2");
        }
        Layer config = layer(root.path("config"), what, "config");
        JsonNode ls = root.path("layers");
        if (!ls.isArray() || ls.size() == 0 || ls.size() > MAX_LAYERS) {
            throw bad(what, "it must list 1 to " + MAX_LAYERS + " layers");
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < ls.size(); i++) {
            Layer l = layer(ls.get(i), what, "layer " + i);
            if (!l.mediaType().startsWith("application/vnd.ollama.image.")) {
                throw bad(what, "layer " + i + " has the unexpected media type '" + l.mediaType() + "'");
            }
            layers.add(l);
        }
        if (layers.stream().noneMatch(l -> l.mediaType().equals(MODEL_MEDIA_TYPE))) {
            throw bad(what, "it has no model layer (" + MODEL_MEDIA_TYPE + ")");
        }
        return new OllamaManifest(raw, Sha256.of(raw), config, layers);
    }

    private static Layer layer(JsonNode n, String what, String name) {
        if (!n.isObject()) {
            throw bad(what, name + " is missing");
        }
        String mediaType = n.path("mediaType").asText("");
        String digest = n.path("digest").asText("");
        JsonNode sizeNode = n.path("size");
        if (mediaType.isEmpty() || mediaType.length() > 200 || !mediaType.matches("[A-Za-z0-9.+/-]+")) {
            throw bad(what, name + " has an invalid media type");
        }
        if (!digest.startsWith("sha256:") || !Sha256.isValid(digest.substring(7))) {
            throw bad(what, name + " digest is not sha256:<64 hex digits>");
        }
        if (!sizeNode.canConvertToLong() || sizeNode.asLong() < 0 || sizeNode.asLong() > MAX_LAYER_BYTES) {
            throw bad(what, name + " has an invalid size");
        }
        return new Layer(mediaType, digest, sizeNode.asLong());
    }

    private static VmboxException bad(String what, String why) {
        return VmboxException.badInput("the registry manifest of " + what + " is invalid: " + why,
                "the registry answered something unexpected; try again later, or use a GGUF file (--model PATH)");
    }
}
