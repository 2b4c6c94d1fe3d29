package dev.vmbox.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.PrintWriter;

/** {@code --json}: one stable, pretty-printed JSON document on stdout. */
final class JsonOutput {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private JsonOutput() {
    }

    static void print(PrintWriter out, Object value) {
        try {
            out.println(MAPPER.writeValueAsString(value));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot encode JSON output: " + e.getOriginalMessage(), null, e);
        }
    }
}
