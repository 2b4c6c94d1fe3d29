package dev.vmbox.cloudinit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;

/**
 * Turns typed cloud-config into the NoCloud files. All text goes through Jackson's YAML writer, which
 * quotes or block-formats every string as needed: no value is ever pasted into YAML by hand. Output is
 * deterministic (fixed key order), so the same input gives the same bytes.
 */
public final class CloudInitRenderer {
    static final YAMLMapper MAPPER = YAMLMapper.builder(yamlFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    /**
     * How vmbox writes every YAML document it hands to a guest or a provider (cloud-config, lima.yaml): strings quoted
     * or block-formatted by Jackson as needed, numbers-as-strings quoted, no document marker, no line splitting.
     */
    public static YAMLFactory yamlFactory() {
        return YAMLFactory.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
                .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                .disable(YAMLGenerator.Feature.SPLIT_LINES)
                .build();
    }

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private CloudInitRenderer() {
    }

    /** The {@code user-data} file: {@code #cloud-config} and the YAML. */
    public static String userData(UserData data) {
        return "#cloud-config\n" + write(data);
    }

    /** The {@code meta-data} file. */
    public static String metaData(MetaData data) {
        return write(data);
    }

    /** Reads rendered user-data back into typed values (tests, and checks of what was written). */
    public static UserData parseUserData(String text) {
        try {
            return MAPPER.readValue(text, UserData.class);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.BAD_INPUT, "not a vmbox cloud-config: " + e.getMessage().lines().findFirst().orElse(""),
                    null, e);
        }
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot write cloud-config: " + e.getOriginalMessage(),
                    "this is a bug in vmbox; please report it", e);
        }
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot write JSON: " + e.getOriginalMessage(),
                    "this is a bug in vmbox; please report it", e);
        }
    }
}
