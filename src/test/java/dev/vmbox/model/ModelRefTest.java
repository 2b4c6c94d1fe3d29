package dev.vmbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelRefTest {
    @Test
    void ollamaNamesAreNormalised() {
        assertEquals(new ModelRef.Ollama("library", "llama3.1", "latest"), ModelRef.parse("llama3.1"));
        assertEquals(new ModelRef.Ollama("library", "llama3.1", "8b"), ModelRef.parse("llama3.1:8b"));
        assertEquals(new ModelRef.Ollama("library", "qwen2.5", "0.5b"), ModelRef.parse("Qwen2.5:0.5b"));
        assertEquals(new ModelRef.Ollama("library", "llama3.1", "8b-instruct-q4_K_M"),
                ModelRef.parse("llama3.1:8b-instruct-q4_K_M"));
        ModelRef.Ollama user = (ModelRef.Ollama) ModelRef.parse("someuser/my-model:v1");
        assertEquals("someuser", user.namespace());
        assertEquals("someuser/my-model:v1", user.canonical());
        assertEquals("someuser/my-model", user.repository());
        assertEquals("llama3.1:latest", ModelRef.parse("registry.ollama.ai/library/llama3.1").canonical());
    }

    @Test
    void huggingFaceReferences() {
        ModelRef.HuggingFace hf = (ModelRef.HuggingFace) ModelRef.parse(
                "hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf");
        assertEquals("Qwen", hf.org());
        assertEquals("Qwen2.5-0.5B-Instruct-GGUF", hf.repo());
        assertEquals("qwen2.5-0.5b-instruct-q4_k_m.gguf", hf.file());
        assertEquals("main", hf.revision());
        ModelRef.HuggingFace sub = (ModelRef.HuggingFace) ModelRef.parse("hf:org/repo/sub/dir/m.gguf@v1.0");
        assertEquals("sub/dir/m.gguf", sub.file());
        assertEquals("v1.0", sub.revision());
        assertEquals("hf:org/repo/sub/dir/m.gguf@v1.0", sub.canonical());
    }

    @Test
    void localFiles() {
        ModelRef r = ModelRef.parse("./models/x.gguf");
        assertInstanceOf(ModelRef.LocalFile.class, r);
        assertTrue(((ModelRef.LocalFile) r).path().isAbsolute());
        assertEquals(Path.of("/data/m.safetensors"), ((ModelRef.LocalFile) ModelRef.parse("/data/m.safetensors")).path());
        assertEquals(Path.of("/data/m.gguf"), ((ModelRef.LocalFile) ModelRef.parse("/data/sub/../m.gguf")).path());
    }

    @Test
    void localPathsAreNamesOnThisHostAndMayHoldWhatFileNamesHold() {
        // opened here and never given to a shell; in the guest the file gets a name of its own
        String odd = "/data/my models/llama (q4) $HOME;`id`'s.gguf";
        assertEquals(Path.of(odd), ((ModelRef.LocalFile) ModelRef.parse(odd)).path());
        for (String hostile : new String[] {"/data/x\u202Egguf.exe.gguf", "/data/a\nb.gguf", "/data/a\u2028b.gguf"}) {
            VmboxException e = assertThrows(VmboxException.class, () -> ModelRef.parse(hostile));
            assertEquals(ExitCode.BAD_INPUT, e.exitCode());
            assertTrue(!e.getMessage().contains("\u202E") && !e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "llama3.1;rm -rf /", "llama$(id)", "llama`id`", "a|b", "x:y z", "model\nname",
            "model\rname", "llama3.1:8b\u0000", "../../etc/passwd", "a/../b", "a/b/c", "bad:tag:", "llama:..",
            "hf:org/repo/../x.gguf", "hf:org/repo", "hf:org/repo/x.txt", "hf:org;x/repo/m.gguf", "hf:org/repo/m.gguf@a;b",
            "ünïcode", "name:t@g", "-leading", "/etc/passwd"})
    void hostileOrMalformedReferencesAreRefused(String text) {
        VmboxException e = assertThrows(VmboxException.class, () -> ModelRef.parse(text));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.hint() != null && !e.hint().isBlank());
        assertTrue(!e.getMessage().contains("\n"), "one-line message");
    }

    @Test
    void overlongReferencesAreRefused() {
        VmboxException e = assertThrows(VmboxException.class, () -> ModelRef.parse("a".repeat(257)));
        assertTrue(e.getMessage().contains("256"));
        ModelRef.parse("a".repeat(60));
    }

    @ParameterizedTest
    @ValueSource(strings = {"model.bin", "/x/pytorch_model.bin", "./m.pt", "m.pth", "m.pkl", "m.ckpt",
            "hf:org/repo/pytorch_model.bin"})
    void pickleExtensionsAreRefusedWithAClearError(String text) {
        VmboxException e = assertThrows(VmboxException.class, () -> ModelRef.parse(text));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("pickle"), e.getMessage());
    }
}
