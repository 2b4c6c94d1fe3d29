package dev.vmbox.provider.lima;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;

/**
 * Writes {@link LimaYaml} through Jackson's YAML generator, which quotes or block-formats every string
 * as YAML needs: user-supplied text (names, cloud-config) can never change the document's structure.
 * The output is deterministic: the same input gives the same bytes (golden-file tests rely on it).
 */
public final class LimaYamlWriter {
    private static final YAMLMapper MAPPER = YAMLMapper.builder(YAMLFactory.builder()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                    .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
                    .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                    .disable(YAMLGenerator.Feature.SPLIT_LINES)
                    .build())
            .build();

    private LimaYamlWriter() {
    }

    public static String write(LimaYaml yaml) {
        try {
            return "# Written by vmbox: do not edit (vmbox re-creates it; see `vmbox doctor`).\n"
                    + MAPPER.writeValueAsString(yaml);
        } catch (JsonProcessingException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot write lima.yaml: " + e.getOriginalMessage(),
                    "this is a bug in vmbox; please report it", e);
        }
    }
}
