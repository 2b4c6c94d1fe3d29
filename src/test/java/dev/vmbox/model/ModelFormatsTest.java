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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFormatsTest {
    @TempDir
    Path tmp;

    private Path file(String name, byte[] content) throws IOException {
        return Files.write(tmp.resolve(name), content);
    }

    private static byte[] safetensors() {
        byte[] json = "{\"__metadata__\":{}}".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        return b.array();
    }

    @Test
    void detectsByContent() throws IOException {
        assertEquals(ModelFormat.GGUF, ModelFormats.detect(file("a.gguf", "GGUF\3\0\0\0".getBytes(StandardCharsets.ISO_8859_1))));
        assertEquals(ModelFormat.SAFETENSORS, ModelFormats.detect(file("m.safetensors", safetensors())));
    }

    private void refused(Path f, String... words) {
        VmboxException e = assertThrows(VmboxException.class, () -> ModelFormats.detect(f));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), e.getMessage());
        }
    }

    @Test
    void pickleAndZipAreRefusedWhateverTheName() throws IOException {
        refused(file("evil.gguf", new byte[] {(byte) 0x80, 4, (byte) 0x95, 0, 0}), "pickle header");
        refused(file("evil.safetensors", new byte[] {'P', 'K', 3, 4, 0, 0}), "zip archive");
        refused(file("model.bin", "GGUF".getBytes(StandardCharsets.US_ASCII)), "pickle");
        refused(file("model.pt", new byte[] {1}), ".pt");
    }

    @Test
    void unknownContentIsRefused() throws IOException {
        refused(file("x.gguf", "hello world, not a model".getBytes(StandardCharsets.US_ASCII)), "neither GGUF nor safetensors");
        refused(file("empty.gguf", new byte[0]), "is empty");
        refused(tmp.resolve("missing.gguf"), "does not exist");
    }
}
