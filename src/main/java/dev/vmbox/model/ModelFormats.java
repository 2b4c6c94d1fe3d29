package dev.vmbox.model;

import dev.vmbox.VmboxException;
import dev.vmbox.spec.HostFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;

/**
 * Decides a model file's format from its first bytes, not its name: GGUF ("GGUF" magic) and
 * safetensors (u64 header length, then a JSON object) are accepted; pickle (opcode 0x80 + protocol)
 * and zip (PyTorch's .pt/.bin checkpoints are zipped pickles) are refused, whatever the extension,
 * and so are the pickle extensions themselves.
 */
public final class ModelFormats {
    /** Extensions of pickle-based checkpoints: loading one runs arbitrary code. */
    public static final List<String> PICKLE_EXTENSIONS = List.of(".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt",
            ".joblib", ".npy", ".npz", ".mar", ".h5");
    private static final long MAX_SAFETENSORS_HEADER = 100L << 20;

    private ModelFormats() {
    }

    static boolean hasModelFileExtension(String lowerName) {
        return hasAcceptedExtension(lowerName) || PICKLE_EXTENSIONS.stream().anyMatch(lowerName::endsWith);
    }

    static boolean hasAcceptedExtension(String name) {
        String l = name.toLowerCase(Locale.ROOT);
        return l.endsWith(".gguf") || l.endsWith(".safetensors");
    }

    /** Refuses a name with a pickle extension. */
    public static void refusePickleName(String name) {
        String l = name.toLowerCase(Locale.ROOT);
        for (String ext : PICKLE_EXTENSIONS) {
            if (l.endsWith(ext)) {
                throw pickle(name, "its extension " + ext + " is a pickle-based format");
            }
        }
    }

    /**
     * Reads the first bytes of {@code file} and returns its format, or refuses it with BAD_INPUT.
     */
    public static ModelFormat detect(Path file) {
        refusePickleName(file.getFileName() == null ? file.toString() : file.getFileName().toString());
        HostFile.require(file, "model file");
        byte[] head = new byte[16];
        int n;
        long size;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            size = ch.size();
            ByteBuffer b = ByteBuffer.wrap(head);
            while (b.hasRemaining() && ch.read(b) > 0) {
                // fill
            }
            n = b.position();
        } catch (IOException e) {
            throw VmboxException.badInput("cannot read model file " + file + ": " + e.getMessage(),
                    "check that the file is readable");
        }
        if (n >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') {
            return ModelFormat.GGUF;
        }
        if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            throw pickle(file.toString(), "it starts with a pickle header");
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            throw pickle(file.toString(), "it is a zip archive (PyTorch checkpoints are zipped pickles)");
        }
        if (n >= 9) {
            long headerLen = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLen >= 2 && headerLen <= MAX_SAFETENSORS_HEADER && headerLen + 8 <= size && head[8] == '{') {
                return ModelFormat.SAFETENSORS;
            }
        }
        throw VmboxException.badInput("model file " + file + " is neither GGUF nor safetensors (unrecognised first bytes)",
                "vmbox accepts GGUF (Ollama, llama.cpp) and safetensors (vLLM) only; get the model in one of those formats");
    }

    private static VmboxException pickle(String name, String why) {
        return VmboxException.badInput("refusing model " + name + ": " + why + "; pickle formats run code when loaded",
                "use the GGUF or safetensors version of the model (most models publish one)");
    }
}
