package dev.vmbox.provider.lima;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.cloudinit.CloudInitRenderer;

/**
 * Writes {@link LimaYaml} through Jackson's YAML generator, which quotes or block-formats every string
 * as YAML needs: user-supplied text (names, cloud-config) can never change the document's structure.
 * The output is deterministic: the same input gives the same bytes (golden-file tests rely on it).
 */
public final class LimaYamlWriter {
    private static final YAMLMapper MAPPER = YAMLMapper.builder(CloudInitRenderer.yamlFactory()).build();

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
