package dev.vmbox.app.create;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.Sha256;
import dev.vmbox.model.ModelInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Makes a local GGUF file servable by Ollama without {@code ollama create} and without the network:
 * the same layout Ollama's registry pull produces ({@code manifests/registry.ollama.ai/library/NAME/TAG}
 * and {@code blobs/sha256-HEX}), with a manifest whose single model layer is the GGUF itself and a
 * small config blob. The GGUF is not copied: it is uploaded straight from where it is.
 */
public final class OllamaLocalModel {
    static final String MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";
    static final String CONFIG_TYPE = "application/vnd.docker.container.image.v1+json";
    static final String MODEL_TYPE = "application/vnd.ollama.image.model";

    private OllamaLocalModel() {
    }

    /** The name a local file is served under: its base name, lower-cased, made a valid Ollama name, tag latest. */
    public static String nameFor(Path gguf) {
        String base = gguf.getFileName().toString().toLowerCase(Locale.ROOT);
        if (base.endsWith(".gguf")) {
            base = base.substring(0, base.length() - 5);
        }
        base = base.replaceAll("[^a-z0-9._-]", "-").replaceAll("^[^a-z0-9]+", "");
        if (base.isEmpty()) {
            base = "model";
        }
        return (base.length() > 60 ? base.substring(0, 60) : base) + ":latest";
    }

    /**
     * Writes the manifest and config blob for {@code gguf} under {@code staging} and returns the files to
     * upload (relative to Ollama's models folder), the GGUF among them.
     */
    public static List<Payload.ModelFile> layout(Path gguf, String ggufSha256, ModelInfo info, String nameAndTag,
                                                 Path staging) {
        String name = nameAndTag.substring(0, nameAndTag.indexOf(':'));
        String tag = nameAndTag.substring(nameAndTag.indexOf(':') + 1);
        ObjectMapper json = new ObjectMapper();
        try {
            long ggufSize = Files.size(gguf);
            ObjectNode config = json.createObjectNode();
            config.put("model_format", "gguf");
            if (info != null && info.architecture() != null) {
                config.put("model_family", info.architecture());
                config.putArray("model_families").add(info.architecture());
            }
            if (info != null && info.quantization() != null) {
                config.put("file_type", info.quantization());
            }
            config.put("architecture", "amd64");
            config.put("os", "linux");
            ObjectNode rootfs = config.putObject("rootfs");
            rootfs.put("type", "layers");
            ArrayNode diffs = rootfs.putArray("diff_ids");
            diffs.add("sha256:" + ggufSha256);
            byte[] configBytes = json.writeValueAsBytes(config);
            String configSha = Sha256.of(configBytes);

            ObjectNode manifest = json.createObjectNode();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", MANIFEST_TYPE);
            ObjectNode cfg = manifest.putObject("config");
            cfg.put("mediaType", CONFIG_TYPE);
            cfg.put("digest", "sha256:" + configSha);
            cfg.put("size", configBytes.length);
            ObjectNode layer = manifest.putArray("layers").addObject();
            layer.put("mediaType", MODEL_TYPE);
            layer.put("digest", "sha256:" + ggufSha256);
            layer.put("size", ggufSize);

            Files.createDirectories(staging);
            Path configFile = staging.resolve("sha256-" + configSha);
            Files.write(configFile, configBytes);
            Path manifestFile = staging.resolve("manifest-" + name + "-" + tag);
            Files.write(manifestFile, json.writeValueAsString(manifest).getBytes(StandardCharsets.UTF_8));
            List<Payload.ModelFile> files = new ArrayList<>();
            files.add(new Payload.ModelFile(manifestFile, "manifests/registry.ollama.ai/library/" + name + "/" + tag));
            files.add(new Payload.ModelFile(configFile, "blobs/sha256-" + configSha));
            files.add(new Payload.ModelFile(gguf, "blobs/sha256-" + ggufSha256));
            return files;
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot prepare the Ollama layout for " + gguf + ": " + e.getMessage(),
                    "check the free space in VMBOX_HOME", e);
        }
    }
}
