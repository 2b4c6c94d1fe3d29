package dev.vmbox.model;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.VmboxException;
import dev.vmbox.spec.Names;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shape and size of a safetensors model (vLLM): parameter count and bytes from the safetensors headers
 * (u64 little-endian length, then a JSON table of tensors with dtype, shape and data_offsets), the shape
 * from the {@code config.json} beside it. A sharded model ({@code model-00001-of-00004.safetensors})
 * is read shard by shard. Headers are bounded (100 MiB) and every offset is checked against the file.
 */
public final class SafetensorsInfo {
    static final long MAX_HEADER = 100L << 20;
    private static final Pattern SHARD = Pattern.compile("(.+)-(\\d{5})-of-(\\d{5})\\.safetensors");

    private SafetensorsInfo() {
    }

    public static ModelInfo inspect(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        List<Path> shards = shards(file);
        long params = 0;
        long bytes = 0;
        Map<String, Long> byType = new HashMap<>();
        for (Path shard : shards) {
            long[] pb = readHeader(shard, byType);
            params += pb[0];
            bytes += pb[1];
        }
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw VmboxException.badInput("no config.json beside " + file + " (vLLM and sizing need the model's config)",
                    "point --model at a file inside the model's folder as downloaded from Hugging Face");
        }
        JsonNode cfg;
        try {
            if (Files.size(configFile) > (4L << 20)) {
                throw VmboxException.badInput(configFile + " is larger than 4 MiB", "this is not a model config");
            }
            cfg = new ObjectMapper().readTree(configFile.toFile());
        } catch (IOException e) {
            throw VmboxException.badInput(configFile + " is not valid JSON", "get the model's config.json again");
        }
        JsonNode text = cfg.has("num_hidden_layers") || !cfg.has("text_config") ? cfg : cfg.path("text_config");
        int layers = positive(text, "num_hidden_layers", configFile, 0);
        int hidden = positive(text, "hidden_size", configFile, 0);
        int heads = positive(text, "num_attention_heads", configFile, 0);
        int kvHeads = positive(text, "num_key_value_heads", configFile, heads);
        int headDim = positive(text, "head_dim", configFile, hidden / heads);
        int ctx = positive(text, "max_position_embeddings", configFile, 4096);
        String arch = cfg.path("model_type").asText(text.path("model_type").asText("unknown"));
        String dtype = byType.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("unknown");
        return new ModelInfo(file.getFileName().toString(), arch, params, dtype, layers, heads, kvHeads, hidden, headDim,
                headDim, ctx, bytes, ModelFormat.SAFETENSORS, "safetensors:" + file);
    }

    private static List<Path> shards(Path file) {
        Matcher m = SHARD.matcher(file.getFileName().toString());
        if (!m.matches()) {
            return List.of(file);
        }
        int total = Integer.parseInt(m.group(3));
        if (total < 1 || total > 10_000) {
            throw VmboxException.badInput("shard count " + total + " in " + file.getFileName() + " is out of range",
                    "check the file name");
        }
        List<Path> out = new ArrayList<>();
        for (int i = 1; i <= total; i++) {
            Path p = file.resolveSibling(String.format("%s-%05d-of-%05d.safetensors", m.group(1), i, total));
            if (!Files.isRegularFile(p)) {
                throw VmboxException.badInput("shard " + p.getFileName() + " of " + total + " is missing",
                        "download every shard of the model into the same folder");
            }
            out.add(p);
        }
        return out;
    }

    private static long[] readHeader(Path file, Map<String, Long> byType) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (lenBuf.hasRemaining() && ch.read(lenBuf) > 0) {
                // fill
            }
            if (lenBuf.hasRemaining()) {
                throw bad(file, "shorter than 8 bytes");
            }
            long n = lenBuf.flip().getLong();
            if (n < 2 || n > MAX_HEADER || n > size - 8) {
                throw bad(file, "header length " + Long.toUnsignedString(n) + " is out of range");
            }
            ByteBuffer json = ByteBuffer.allocate((int) n);
            long pos = 8;
            while (json.hasRemaining()) {
                int r = ch.read(json, pos);
                if (r <= 0) {
                    throw bad(file, "truncated header");
                }
                pos += r;
            }
            JsonNode root = new ObjectMapper().readTree(json.array());
            if (root == null || !root.isObject()) {
                throw bad(file, "header is not a JSON object");
            }
            long dataSize = size - 8 - n;
            long params = 0;
            long bytes = 0;
            Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                String tensor = "tensor " + Names.forMessage(e.getKey());
                JsonNode t = e.getValue();
                JsonNode shape = t.path("shape");
                JsonNode offs = t.path("data_offsets");
                String dtype = t.path("dtype").asText("");
                if (!shape.isArray() || shape.size() > 8 || !offs.isArray() || offs.size() != 2 || dtype.isEmpty()) {
                    throw bad(file, tensor + " has no valid dtype, shape and data_offsets");
                }
                long count = 1;
                for (JsonNode d : shape) {
                    if (!d.canConvertToLong() || d.asLong() < 0) {
                        throw bad(file, tensor + " has an invalid dimension");
                    }
                    count = Math.multiplyExact(count, d.asLong());
                }
                long start = offs.get(0).asLong(-1);
                long end = offs.get(1).asLong(-1);
                if (start < 0 || end < start || end > dataSize) {
                    throw bad(file, tensor + " data_offsets lie outside the file");
                }
                params = Math.addExact(params, count);
                bytes = Math.addExact(bytes, end - start);
                byType.merge(dtype, end - start, Long::sum);
            }
            return new long[] {params, bytes};
        } catch (ArithmeticException e) {
            throw bad(file, "tensor sizes overflow");
        } catch (JsonProcessingException e) {
            // Jackson's own message spans lines and quotes the input: say where, not what
            JsonLocation at = e.getLocation();
            throw bad(file, "the header is not valid JSON" + (at == null ? "" : " (at byte " + (8 + at.getByteOffset()) + ")"));
        } catch (IOException e) {
            throw bad(file, e.getMessage());
        }
    }

    private static int positive(JsonNode cfg, String key, Path file, int fallback) {
        JsonNode v = cfg.path(key);
        if (v.isMissingNode() || v.isNull()) {
            if (fallback > 0) {
                return fallback;
            }
            throw VmboxException.badInput(file + " has no " + key, "the model config is incomplete");
        }
        if (!v.canConvertToInt() || v.asInt() <= 0) {
            throw VmboxException.badInput(file + ": " + key + " is not a positive integer", "the model config is damaged");
        }
        return v.asInt();
    }

    private static VmboxException bad(Path file, String why) {
        return VmboxException.badInput("safetensors file " + file + " is invalid: " + why,
                "the file is damaged or not a safetensors model; download it again");
    }

}
