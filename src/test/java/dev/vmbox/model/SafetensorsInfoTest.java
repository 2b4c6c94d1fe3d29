package dev.vmbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsInfoTest {
    @TempDir
    Path tmp;

    private static byte[] file(String json, int dataBytes) {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + j.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(j.length).put(j);
        return b.array();
    }

    private void config() throws IOException {
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\":\"llama\",\"num_hidden_layers\":2,"
                + "\"hidden_size\":64,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"max_position_embeddings\":8192}");
    }

    @Test
    void readsShardsAndConfig() throws IOException {
        config();
        Files.write(tmp.resolve("model-00001-of-00002.safetensors"), file("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"BF16\",\"shape\":[8,4],\"data_offsets\":[0,64]}}", 64));
        Files.write(tmp.resolve("model-00002-of-00002.safetensors"), file(
                "{\"b\":{\"dtype\":\"BF16\",\"shape\":[16],\"data_offsets\":[0,32]}}", 32));
        ModelInfo m = dev.vmbox.model.fetch.ModelInspector.inspectFile(tmp.resolve("model-00001-of-00002.safetensors"));
        assertEquals(32 + 16, m.parameterCount());
        assertEquals(96, m.weightsBytes());
        assertEquals("BF16", m.quantization());
        assertEquals("llama", m.architecture());
        assertEquals(2, m.blockCount());
        assertEquals(16, m.keyLength());
        assertEquals(8192, m.contextLength());
        assertEquals(ModelFormat.SAFETENSORS, m.format());
    }

    @Test
    void refusesBadHeadersMissingShardsAndMissingConfig() throws IOException {
        Path f = Files.write(tmp.resolve("m.safetensors"), file("{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]}}", 8));
        VmboxException noCfg = assertThrows(VmboxException.class, () -> dev.vmbox.model.fetch.ModelInspector.inspectFile(f));
        assertTrue(noCfg.getMessage().contains("config.json"));
        config();
        Files.write(f, file("{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,800]}}", 8));
        assertTrue(assertThrows(VmboxException.class, () -> dev.vmbox.model.fetch.ModelInspector.inspectFile(f)).getMessage()
                .contains("outside the file"));
        Path shard = Files.write(tmp.resolve("model-00001-of-00003.safetensors"), file("{}", 0));
        VmboxException missing = assertThrows(VmboxException.class, () -> dev.vmbox.model.fetch.ModelInspector.inspectFile(shard));
        assertEquals(ExitCode.BAD_INPUT, missing.exitCode());
        assertTrue(missing.getMessage().contains("00002-of-00003"), missing.getMessage());
    }

    @Test
    void errorsAreOneLineWithTensorNamesEscaped() throws IOException {
        config();
        Path f = tmp.resolve("m.safetensors");
        // fuzzing found: a tensor name with control characters went into the message raw, and a header that
        // is not JSON gave Jackson's message, which spans two lines and quotes the input
        Files.write(f, file("{\"a\\u007f\\n\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,800]}}", 8));
        VmboxException named = assertThrows(VmboxException.class, () -> SafetensorsInfo.inspect(f));
        assertTrue(named.getMessage().contains("tensor 'a\\u007f\\u000a' data_offsets lie outside"), named.getMessage());
        Files.write(f, file("{\"a\":{\"shape\":[8,z]}}", 8));
        VmboxException notJson = assertThrows(VmboxException.class, () -> SafetensorsInfo.inspect(f));
        assertEquals(ExitCode.BAD_INPUT, notJson.exitCode());
        assertTrue(notJson.getMessage().endsWith("is invalid: the header is not valid JSON (at byte 25)"), notJson.getMessage());
        for (VmboxException e : List.of(named, notJson)) {
            assertTrue(e.getMessage().chars().noneMatch(Character::isISOControl), e.getMessage());
        }
    }
}
