package dev.vmbox.model;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmbox.ExitCode;
import dev.vmbox.testing.ParserContract;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the safetensors reader: the header (u64 length + JSON table of tensors) and
 * the {@code config.json} beside it are both downloaded data. Each input is tried as the model file
 * (beside a valid config) and as the config (beside a valid model file). Either read returns or refuses
 * with BAD_INPUT in one clear line, allocating at most a bounded amount per input byte (the header's
 * declared length is checked against the file before its buffer is allocated).
 *
 * <p>Seeds and past findings: src/test/resources/dev/vmbox/model/SafetensorsInfoFuzzTestInputs/inspectsOrRefuses.
 */
class SafetensorsInfoFuzzTest {
    static final String CONFIG = "{\"model_type\":\"llama\",\"num_hidden_layers\":2,\"hidden_size\":64,"
            + "\"num_attention_heads\":4,\"num_key_value_heads\":2,\"max_position_embeddings\":8192}";
    /** Per input byte: the header buffer, Jackson's tree of it and the decoded strings. */
    static final long ALLOCATION_PER_BYTE = 96;

    @FuzzTest
    void inspectsOrRefuses(byte[] data) throws IOException {
        Path dir = ParserContract.scratchDir();
        Path asModel = dir.resolve("as-model");
        Path asConfig = dir.resolve("as-config");
        Files.createDirectories(asModel);
        Files.createDirectories(asConfig);
        Files.write(asModel.resolve("model.safetensors"), data);
        Files.writeString(asModel.resolve("config.json"), CONFIG);
        Files.write(asConfig.resolve("model.safetensors"), validModel());
        Files.write(asConfig.resolve("config.json"), data);
        ParserContract contract = ParserContract.of(data, ParserContract.FIXED_ALLOCATION, ALLOCATION_PER_BYTE, ExitCode.BAD_INPUT);

        sane(contract.check("SafetensorsInfo.inspect (header)",
                () -> SafetensorsInfo.inspect(asModel.resolve("model.safetensors"))));
        sane(contract.check("SafetensorsInfo.inspect (config.json)",
                () -> SafetensorsInfo.inspect(asConfig.resolve("model.safetensors"))));
    }

    /** What a read returns is usable for sizing: no negative count or size, every shape value positive. */
    private static void sane(ModelInfo m) {
        if (m == null) {
            return;
        }
        ParserContract.require(m.parameterCount() >= 0 && m.weightsBytes() >= 0 && m.blockCount() > 0 && m.headCount() > 0
                && m.headCountKv() > 0 && m.embeddingLength() > 0 && m.keyLength() > 0 && m.contextLength() > 0,
                "SafetensorsInfo.inspect returned an unusable model", m);
    }

    static byte[] validModel() {
        byte[] json = ("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"BF16\",\"shape\":[8,4],"
                + "\"data_offsets\":[0,64]}}").getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + 64).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json)
                .array();
    }
}
