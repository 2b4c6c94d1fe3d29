package dev.vmbox.app.create;

import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.cloudinit.RuntimeArgs;
import dev.vmbox.download.DownloadListener;
import dev.vmbox.model.ModelFormat;
import dev.vmbox.model.ModelFormats;
import dev.vmbox.model.ModelRef;
import dev.vmbox.model.fetch.FetchedModel;
import dev.vmbox.model.fetch.ModelFetcher;
import dev.vmbox.model.fetch.OllamaManifest;
import dev.vmbox.model.fetch.OllamaRegistry;
import dev.vmbox.runtime.RuntimeArtifact;
import dev.vmbox.runtime.FetchedRuntime;
import dev.vmbox.runtime.RuntimeFetcher;
import dev.vmbox.runtime.RuntimeKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The sealed policy's host side: the runtime's pinned release (or {@code --runtime-bundle}) and the
 * model (Ollama registry blobs, a {@code hf:} file, or {@code --model-file}), each verified by sha256 on
 * the host before anything reaches the guest.
 */
public final class HostPayloadSource implements PayloadSource {
    /** What the user supplied for an air-gapped host, and the checksums vouching for it. */
    public record Options(ModelRef model, Optional<Path> modelFile, Optional<String> modelSha256,
                          Optional<Path> runtimeBundle, Optional<String> runtimeSha256, String platform,
                          boolean guestFetch) {
    }

    private final RuntimeFetcher runtimes;
    private final ModelFetcher models;
    private final Path stagingRoot;
    private final Options options;
    /**
     * This create's own staging folder name: two creates of one name may both pass the check before either claims the
     * name, and the one that then loses must not remove (or write into) the folder of the one that wins.
     */
    private final String run = Long.toString(ProcessHandle.current().pid()) + "-" + java.util.UUID.randomUUID();

    public HostPayloadSource(RuntimeFetcher runtimes, ModelFetcher models, Path stagingRoot, Options options) {
        this.runtimes = runtimes;
        this.models = models;
        this.stagingRoot = stagingRoot;
        this.options = options;
    }

    private Path staging(CreateRequest request) {
        return stagingRoot.resolve(request.name() + "." + run);
    }

    @Override
    public void cleanUp(CreateRequest request) {
        try {
            dev.vmbox.store.SecureFiles.deleteTree(staging(request));
        } catch (java.io.IOException e) {
            // staging is under VMBOX_HOME/_cache; a leftover (a create killed by SIGKILL) is harmless
        }
    }

    @Override
    public Payload fetch(CreateRequest request, Progress.Step step) {
        DownloadListener listener = p -> step.transfer(p.name(), p.bytes(), p.totalBytes(), p.bytesPerSecond());
        RuntimeKind kind = request.runtimeKind();
        List<String> notes = new ArrayList<>();
        List<Payload.GuestDownload> guest = new ArrayList<>();
        Path runtimeFile = null;
        String runtimeVersion;
        String runtimeArchive;
        Optional<RuntimeArtifact> pinned = runtimes.recipe(kind).artifact(options.platform());
        if (request.baked()) {
            // the runtime is in the VM's image (apt-verified when it was built): only the model travels
            runtimeVersion = request.runtimeImage().describe() + " (in the image " + request.runtimeImage().name() + ")";
            runtimeArchive = Payload.IN_IMAGE;
        } else if (options.guestFetch() && options.runtimeBundle().isEmpty() && pinned.isPresent()) {
            RuntimeArtifact a = pinned.get();
            guest.add(new Payload.GuestDownload(a.url(), a.sha256(), a.sizeBytes(), Payload.RUNTIME_ARCHIVE));
            runtimeVersion = runtimes.recipe(kind).version() + " (pinned; the guest fetches it in the window)";
            runtimeArchive = a.archive();
        } else {
            FetchedRuntime rt;
            try {
                rt = runtimes.obtain(kind, options.platform(), options.runtimeBundle(), options.runtimeSha256(), listener);
            } catch (VmboxException e) {
                throw offline(e, "the " + kind.cliName() + " release", "download " + pinned.map(a -> a.url().toString())
                        .orElse("the release") + " elsewhere and pass it with --runtime-bundle FILE");
            }
            if ("none".equals(rt.verifiedAgainst())) {
                notes.add("runtime bundle " + options.runtimeBundle().map(Path::toString).orElse("") + " has no pinned "
                        + "checksum; used as given (sha256 " + rt.sha256() + ")");
            }
            runtimeFile = rt.file();
            runtimeVersion = rt.version() + " (" + rt.verifiedAgainst() + ")";
            runtimeArchive = rt.archive();
        }
        Path staging = staging(request);
        List<Payload.ModelFile> files = new ArrayList<>();
        String modelName;
        ModelRef ref = options.model();
        if (ref instanceof ModelRef.Ollama o && kind != RuntimeKind.OLLAMA && options.modelFile().isEmpty()) {
            throw VmboxException.badInput(o.canonical() + " is an Ollama library name; " + kind.cliName()
                    + " needs a model file", "use --model hf:ORG/REPO/FILE.gguf or --model-file FILE");
        }
        if (options.guestFetch() && ref instanceof ModelRef.Ollama o && kind == RuntimeKind.OLLAMA
                && options.modelFile().isEmpty() && models.registry().isPresent()) {
            // the host reads the small manifest; the guest downloads each blob and checks its digest
            OllamaRegistry reg = models.registry().get();
            OllamaManifest manifest = reg.manifest(o, Optional.empty());
            Path manifestFile = staging.resolve("manifest-" + o.name() + "-" + o.tag());
            try {
                Files.createDirectories(staging);
                Files.write(manifestFile, manifest.raw());
            } catch (java.io.IOException e) {
                throw VmboxException.failed("cannot stage the manifest of " + o.canonical() + ": " + e.getMessage(),
                        "check the free space in VMBOX_HOME", e);
            }
            files.add(new Payload.ModelFile(manifestFile, "manifests/" + OllamaRegistry.REGISTRY_HOST + "/" + o.namespace()
                    + "/" + o.name() + "/" + o.tag()));
            for (OllamaManifest.Layer layer : manifest.blobs()) {
                guest.add(new Payload.GuestDownload(reg.blobUri(o, layer), layer.sha256(), layer.size(),
                        "model/blobs/" + layer.blobFileName()));
            }
            notes.add("the guest downloads " + manifest.blobs().size() + " blobs of " + o.canonical()
                    + " in the fetch window, each checked against the manifest's digest");
            return new Payload(runtimeFile, runtimeVersion, runtimeArchive, files, o.canonical(), notes, guest);
        }
        FetchedModel fm;
        try {
            fm = models.fetch(ref, options.modelFile(), options.modelSha256(), listener);
        } catch (VmboxException e) {
            throw offline(e, "the model " + ref.canonical(), "get its GGUF file elsewhere and pass it with --model-file FILE"
                    + " (and --model-sha256 SHA256)");
        }
        if (fm.ollamaLayout().isPresent() && kind == RuntimeKind.OLLAMA) {
            files.addAll(tree(fm.ollamaLayout().get().modelsDir()));
            modelName = ref.canonical();
        } else {
            Path file = fm.modelFile();
            ModelFormat format = ModelFormats.detect(file);
            switch (kind) {
                case OLLAMA -> {
                    requireGguf(format, file, kind);
                    modelName = OllamaLocalModel.nameFor(file);
                    files.addAll(OllamaLocalModel.layout(file, fm.sha256(), fm.info(), modelName, staging));
                }
                case LLAMA_CPP -> {
                    requireGguf(format, file, kind);
                    // a runtime image's llama-server serves it under an alias (LLAMA_ARG_ALIAS), which must be plain
                    modelName = request.baked() ? RuntimeArgs.aliasFor(file.getFileName().toString())
                            : file.getFileName().toString();
                    files.add(modelFile(file, "model.gguf"));
                }
                default -> {
                    if (format != ModelFormat.SAFETENSORS) {
                        throw VmboxException.badInput("vLLM serves safetensors models; " + file + " is " + format,
                                "pass a safetensors model, or use --runtime ollama for GGUF");
                    }
                    // vLLM loads a model folder: the weights with their config and tokenizer files beside them
                    modelName = file.getParent().getFileName().toString();
                    try (Stream<Path> beside = Files.list(file.getParent())) {
                        for (Path f : beside.filter(Files::isRegularFile).sorted().toList()) {
                            String n = f.getFileName().toString();
                            if (n.endsWith(".safetensors") || n.endsWith(".json") || n.endsWith(".model")
                                    || n.endsWith(".tiktoken") || n.equals("tokenizer.txt") || n.equals("merges.txt")) {
                                files.add(modelFile(f, "model/" + n));
                            }
                        }
                    } catch (java.io.IOException e) {
                        throw VmboxException.failed("cannot read the model folder " + file.getParent() + ": "
                                + e.getMessage(), null, e);
                    }
                }
            }
        }
        notes.add("model " + fm.modelFile().getFileName() + " sha256 " + fm.sha256() + " (verified against: "
                + fm.verifiedAgainst() + ")");
        return new Payload(runtimeFile, runtimeVersion, runtimeArchive, files, modelName, notes, guest,
                files.size() == 1 && files.get(0).local().equals(fm.modelFile()) ? fm.sha256() : null);
    }

    /**
     * A download that failed for want of a network says how to supply the file offline; checksum
     * mismatches and bad input keep their own message.
     */
    private static VmboxException offline(VmboxException e, String what, String how) {
        if (e.exitCode() == dev.vmbox.ExitCode.SECURITY || e.exitCode() == dev.vmbox.ExitCode.BAD_INPUT
                || e.exitCode() == dev.vmbox.ExitCode.INTERRUPTED) {
            return e;
        }
        return new VmboxException(e.exitCode(), "cannot download " + what + ": " + e.getMessage(),
                "no network? " + how + "; see README, Models (air-gapped hosts)", e);
    }

    private static Payload.ModelFile modelFile(Path local, String guestPath) {
        try {
            return new Payload.ModelFile(local, guestPath);
        } catch (IllegalArgumentException e) {
            throw VmboxException.badInput("the model file name " + dev.vmbox.spec.Names.forMessage(local.getFileName()
                    .toString()) + " cannot be used in the guest", "rename it to letters, digits, '.', '_' and '-'");
        }
    }

    private static void requireGguf(ModelFormat format, Path file, RuntimeKind kind) {
        if (format != ModelFormat.GGUF) {
            throw VmboxException.badInput(kind.cliName() + " serves GGUF models; " + file + " is " + format,
                    "convert it to GGUF, or use --runtime vllm for safetensors");
        }
    }

    /** Every file under {@code dir}, with its path relative to it. */
    private static List<Payload.ModelFile> tree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted()
                    .map(p -> new Payload.ModelFile(p, dir.relativize(p).toString().replace('\\', '/'))).toList();
        } catch (IOException e) {
            throw VmboxException.failed("cannot read the staged model in " + dir + ": " + e.getMessage(), null, e);
        }
    }
}
