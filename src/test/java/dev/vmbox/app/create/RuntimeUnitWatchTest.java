package dev.vmbox.app.create;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the health step quotes of a runtime that exited: its own error lines, as llama-server 0.7.0 logs them. */
class RuntimeUnitWatchTest {
    @Test
    void quotesLlamaServersErrorLinesEachOnce() {
        String journal = """
                0.00.000.512 I build: 11669 (Debian) with gcc for x86_64-linux-gnu
                0.00.075.158 E llama_model_load: error loading model: check_tensor_dims: tensor 'output_norm.weight' not found
                0.00.075.177 E llama_model_load_from_file_impl: failed to load model
                0.00.075.653 E llama_model_load: error loading model: check_tensor_dims: tensor 'output_norm.weight' not found
                0.00.078.007 I srv    operator(): operator(): cleaning up before exit...
                0.00.078.477 E srv  llama_server: exiting due to model loading error
                vmbox-runtime.service: Main process exited, code=exited, status=1/FAILURE
                """;
        assertEquals(List.of("llama_model_load: error loading model: check_tensor_dims: tensor 'output_norm.weight' not found",
                "llama_model_load_from_file_impl: failed to load model", "srv  llama_server: exiting due to model loading error"),
                RuntimeUnitWatch.errorLines(journal));
    }

    @Test
    void withoutErrorLinesTheLastLinesAreQuoted() {
        assertEquals(List.of("b", "c", "vmbox-runtime.service: Failed with result 'exit-code'."),
                RuntimeUnitWatch.errorLines("a\nb\nc\nvmbox-runtime.service: Failed with result 'exit-code'.\n"));
        assertEquals(List.of(), RuntimeUnitWatch.errorLines(""));
    }

    @Test
    void manyErrorsAreShortened() {
        StringBuilder j = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            j.append("0.00.0").append(i).append(" E error ").append(i).append('\n');
        }
        assertEquals(List.of("error 0", "error 1", "…", "error 7", "error 8"), RuntimeUnitWatch.errorLines(j.toString()));
    }
}
