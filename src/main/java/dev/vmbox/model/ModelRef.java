package dev.vmbox.model;

import dev.vmbox.VmboxException;
import dev.vmbox.spec.TypedText;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the user asked to serve: an Ollama library name ({@code llama3.1:8b}, {@code user/model:tag}), a
 * local model file, or a GGUF file on Hugging Face ({@code hf:org/repo/file.gguf}). Every reference is at
 * most {@value #MAX_LENGTH} characters with no control, line-separator or format (bidi override) character.
 * Ollama names and {@code hf:} references become URLs and guest paths, so they are held to a strict alphabet:
 * no whitespace, shell metacharacter, {@code ..} or non-ASCII character. A local file path is a name on this
 * host the user already has: it may hold spaces, quotes, {@code $} and the like, because it is only ever opened
 * here (normalised to an absolute path) and never given to a shell; in the guest the file gets a fixed name
 * ({@code model.gguf}) or one made of letters, digits, '.', '_' and '-'.
 */
public sealed interface ModelRef permits ModelRef.Ollama, ModelRef.LocalFile, ModelRef.HuggingFace {
    int MAX_LENGTH = 256;

    /** The canonical form, as the user would type it. */
    String canonical();

    /**
     * An Ollama registry model, e.g. {@code library/llama3.1:8b}.
     *
     * @param namespace {@code library} for official models, else the user's namespace
     */
    record Ollama(String namespace, String name, String tag) implements ModelRef {
        /** {@code llama3.1:8b} for library models, {@code user/model:tag} otherwise. */
        @Override
        public String canonical() {
            return (namespace.equals("library") ? "" : namespace + "/") + name + ":" + tag;
        }

        /** The path under the registry: {@code library/llama3.1}. */
        public String repository() {
            return namespace + "/" + name;
        }
    }

    /** A model file on this machine, absolute and normalised. */
    record LocalFile(Path path) implements ModelRef {
        @Override
        public String canonical() {
            return path.toString();
        }
    }

    /** A file in a Hugging Face model repository at a revision (default {@code main}). */
    record HuggingFace(String org, String repo, String file, String revision) implements ModelRef {
        @Override
        public String canonical() {
            return "hf:" + org + "/" + repo + "/" + file + (revision.equals("main") ? "" : "@" + revision);
        }

        public String repoId() {
            return org + "/" + repo;
        }
    }

    /** Parses a model reference; see the class comment for the accepted forms. */
    static ModelRef parse(String text) {
        return Parser.parse(text);
    }

    /** The parser; package-private details. */
    final class Parser {
        private static final Pattern OLLAMA_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,79}");
        private static final Pattern OLLAMA_TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
        private static final Pattern HF_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
        private static final Pattern HF_SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._+-]{0,199}");
        private static final Pattern HF_REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
        private static final String SHELL_META = ";|&$`<>(){}[]*?!'\"\\#~^%=,";

        private Parser() {
        }

        static ModelRef parse(String text) {
            if (text == null || text.isBlank()) {
                throw bad("the model reference is empty");
            }
            if (text.length() > MAX_LENGTH) {
                throw bad("the model reference is longer than " + MAX_LENGTH + " characters");
            }
            // no control, line-break or formatting character (U+202E: what is shown would not be what is opened),
            // nothing around it: the one rule of typed values
            TypedText.of(text, "the model reference");
            if (text.startsWith("hf:")) {
                return huggingFace(text, text.substring(3));
            }
            if (looksLikeFile(text)) {
                return localFile(text);
            }
            return ollama(text);
        }

        private static boolean looksLikeFile(String t) {
            String l = t.toLowerCase(Locale.ROOT);
            return t.startsWith("/") || t.startsWith("./") || t.startsWith("../") || t.startsWith("~/")
                    || ModelFormats.hasModelFileExtension(l);
        }

        private static ModelRef localFile(String text) {
            String t = text;
            if (t.startsWith("~/")) {
                t = System.getProperty("user.home") + t.substring(1);
            }
            ModelFormats.refusePickleName(t);
            Path p;
            try {
                p = Path.of(t).toAbsolutePath().normalize();
            } catch (RuntimeException e) {
                throw bad("'" + text + "' is not a valid file path");
            }
            if (!ModelFormats.hasAcceptedExtension(p.getFileName() == null ? "" : p.getFileName().toString())) {
                throw VmboxException.badInput("model file " + p + " is neither .gguf nor .safetensors",
                        "vmbox serves GGUF files (Ollama, llama.cpp) and safetensors (vLLM); convert the model first");
            }
            return new LocalFile(p);
        }

        private static ModelRef huggingFace(String text, String rest) {
            requireNoMeta(text);
            String revision = "main";
            int at = rest.lastIndexOf('@');
            if (at >= 0) {
                revision = rest.substring(at + 1);
                rest = rest.substring(0, at);
                if (!HF_REVISION.matcher(revision).matches()) {
                    throw bad("'" + text + "': the revision after @ must be a branch, tag or commit id");
                }
            }
            String[] parts = rest.split("/", -1);
            if (parts.length < 3) {
                throw VmboxException.badInput("'" + text + "' is not hf:ORG/REPO/FILE.gguf",
                        "example: hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf");
            }
            if (!HF_ID.matcher(parts[0]).matches() || !HF_ID.matcher(parts[1]).matches()) {
                throw bad("'" + text + "': organisation and repository may hold only letters, digits, '.', '_' and '-'");
            }
            for (int i = 2; i < parts.length; i++) {
                if (parts[i].equals("..") || parts[i].equals(".") || !HF_SEGMENT.matcher(parts[i]).matches()) {
                    throw bad("'" + text + "': invalid file path segment '" + parts[i] + "'");
                }
            }
            String file = String.join("/", java.util.Arrays.copyOfRange(parts, 2, parts.length));
            ModelFormats.refusePickleName(file);
            if (!file.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
                throw VmboxException.badInput("'" + text + "' does not name a .gguf file",
                        "hf: references name one GGUF file in the repository, e.g. hf:ORG/REPO/model-Q4_K_M.gguf");
            }
            return new HuggingFace(parts[0], parts[1], file, revision);
        }

        private static ModelRef ollama(String text) {
            requireNoMeta(text);
            String t = text;
            String tag = "latest";
            int colon = t.lastIndexOf(':');
            if (colon >= 0) {
                tag = t.substring(colon + 1);
                t = t.substring(0, colon);
                if (!OLLAMA_TAG.matcher(tag).matches()) {
                    throw bad("'" + text + "': invalid tag '" + tag + "'");
                }
            }
            String lower = t.toLowerCase(Locale.ROOT);
            String[] parts = lower.split("/", -1);
            String namespace;
            String name;
            if (parts.length == 1) {
                namespace = "library";
                name = parts[0];
            } else if (parts.length == 2) {
                namespace = parts[0];
                name = parts[1];
            } else if (parts.length == 3 && parts[0].equals("registry.ollama.ai")) {
                namespace = parts[1];
                name = parts[2];
            } else {
                throw VmboxException.badInput("'" + text + "' is not an Ollama model name",
                        "use NAME[:TAG] or USER/NAME[:TAG] (e.g. llama3.1:8b), a .gguf file path, or hf:ORG/REPO/FILE.gguf");
            }
            if (!OLLAMA_NAME.matcher(namespace).matches() || !OLLAMA_NAME.matcher(name).matches()
                    || name.contains("..") || namespace.contains("..")) {
                throw bad("'" + text + "': a model name may hold only a-z, 0-9, '.', '_' and '-'");
            }
            return new Ollama(namespace, name, tag);
        }

        private static void requireNoMeta(String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c) || SHELL_META.indexOf(c) >= 0 || c > 0x7e) {
                    throw bad("'" + sanitize(text) + "' contains the character '" + sanitize(String.valueOf(c))
                            + "', which is not allowed in a model name");
                }
            }
            if (text.contains("..")) {
                throw bad("'" + sanitize(text) + "' contains '..'");
            }
        }

        private static String sanitize(String s) {
            StringBuilder b = new StringBuilder();
            for (char c : s.toCharArray()) {
                b.append(c < 0x20 || c > 0x7e ? '?' : c);
            }
            return b.toString();
        }

        private static VmboxException bad(String message) {
            return VmboxException.badInput(message,
                    "use NAME[:TAG] (e.g. llama3.1:8b), a path to a .gguf file, or hf:ORG/REPO/FILE.gguf");
        }
    }
}
