package dev.vmbox.model.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.DownloadListener;
import dev.vmbox.download.DownloadRequest;
import dev.vmbox.download.Downloader;
import dev.vmbox.download.Sha256;
import dev.vmbox.download.UrlPolicy;
import dev.vmbox.model.ModelRef;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves {@code hf:org/repo/file.gguf} to a download URL and a sha256, and downloads it verified.
 *
 * <p>What is verifiable: files stored with Git LFS (every GGUF of any size is) have their sha256 in the
 * Hub API's tree listing ({@code GET /api/models/<org>/<repo>/tree/<revision>/<dir>}: entries carry
 * {@code lfs.oid} = sha256 and {@code lfs.size}). A file not in LFS only has a git blob id (SHA-1 of a
 * header plus content), which vmbox does not accept as a checksum: then the user must give
 * {@code --model-sha256}. When both exist they must agree. Nothing is downloaded unverified.
 */
public final class HuggingFaceFiles {
    public static final URI DEFAULT_BASE = URI.create("https://huggingface.co");
    static final long MAX_LISTING_BYTES = 8L << 20;

    /**
     * A file ready to download.
     *
     * @param ref        what the user asked for
     * @param url        {@code <base>/<org>/<repo>/resolve/<revision>/<file>}
     * @param sha256     the digest it must have
     * @param sizeBytes  its size from the API, or -1
     * @param shaSource  "huggingface-api", "user" or "huggingface-api+user" (both, and they agree)
     */
    public record Resolved(ModelRef.HuggingFace ref, URI url, String sha256, long sizeBytes, String shaSource) {
    }

    private final URI base;
    private final Downloader downloader;
    private final Optional<String> token;

    /**
     * @param token a Hugging Face access token for gated or private repositories (sent only to
     *              {@code base}'s host, never logged)
     */
    public HuggingFaceFiles(URI base, Downloader downloader, Optional<String> token) {
        UrlPolicy.require(base, "Hugging Face");
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.downloader = downloader;
        this.token = token;
    }

    public Resolved resolve(ModelRef.HuggingFace ref, Optional<String> userSha256) {
        Optional<String> user = userSha256.map(s -> Sha256.parse(s, "--model-sha256"));
        String file = ref.file();
        int slash = file.lastIndexOf('/');
        String dir = slash >= 0 ? file.substring(0, slash) : "";
        URI listing = base.resolve("api/models/" + ref.org() + "/" + ref.repo() + "/tree/" + enc(ref.revision())
                + (dir.isEmpty() ? "" : "/" + encPath(dir)));
        Downloader.SmallResponse r = downloader.get(listing, headers(), MAX_LISTING_BYTES);
        String apiSha = null;
        long size = -1;
        if (r.status() == 200) {
            Listed listed = listed(r.body(), file, ref.canonical()).orElseThrow(() -> VmboxException.badInput(
                    "there is no file " + file + " in " + ref.repoId() + " at " + ref.revision(),
                    "check the file name on https://huggingface.co/" + ref.repoId() + "/tree/" + ref.revision()));
            apiSha = listed.sha256();
            size = listed.size();
        } else if (r.status() == 401 || r.status() == 403 || r.status() == 404) {
            if (user.isEmpty()) {
                throw VmboxException.badInput("Hugging Face has no accessible repository " + ref.repoId() + " at revision "
                        + ref.revision() + " (HTTP " + r.status() + ")",
                        "check the name; for a gated or private repository set HF_TOKEN, or download the file yourself"
                                + " and pass it with --model-file");
            }
        } else if (user.isEmpty()) {
            throw VmboxException.failed("the Hugging Face API answered HTTP " + r.status() + " for " + ref.canonical(),
                    "try again later, or give the file's checksum with --model-sha256", null);
        }

        String sha;
        String source;
        if (apiSha != null && user.isPresent()) {
            if (!apiSha.equals(user.get())) {
                throw new VmboxException(ExitCode.SECURITY, "--model-sha256 " + user.get() + " does not match the sha256 "
                        + apiSha + " Hugging Face lists for " + ref.canonical(),
                        "check the checksum you gave, or pin the revision (hf:ORG/REPO/FILE@COMMIT) you checked it for");
            }
            sha = apiSha;
            source = "huggingface-api+user";
        } else if (apiSha != null) {
            sha = apiSha;
            source = "huggingface-api";
        } else if (user.isPresent()) {
            sha = user.get();
            source = "user";
        } else {
            throw VmboxException.badInput("cannot verify " + ref.canonical() + ": Hugging Face lists no sha256 for it"
                    + " (it is not stored with Git LFS)", "give its checksum with --model-sha256 SHA256 to download it");
        }
        URI url = base.resolve(ref.org() + "/" + ref.repo() + "/resolve/" + enc(ref.revision()) + "/" + encPath(file));
        return new Resolved(ref, url, sha, size, source);
    }

    /**
     * What the tree listing says of one file.
     *
     * @param sha256 its sha256 when it is stored with Git LFS, else null
     * @param size   its size in bytes, or -1 when the listing gives none
     */
    record Listed(String sha256, long size) {
    }

    /**
     * Reads the Hub API's tree listing (a JSON array of entries with {@code path}, {@code type}, {@code size}
     * and, for LFS files, {@code lfs.oid} and {@code lfs.size}) for the entry of {@code file}.
     *
     * @return the entry, or empty when the listing has no such file
     */
    static Optional<Listed> listed(byte[] body, String file, String canonical) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(body);
        } catch (IOException e) {
            throw VmboxException.failed("the Hugging Face API answered invalid JSON for " + canonical,
                    "try again later, or give --model-sha256", e);
        }
        Optional<Listed> found = Optional.empty();
        if (root != null && root.isArray()) {
            for (JsonNode e : root) {
                if (file.equals(e.path("path").asText()) && "file".equals(e.path("type").asText())) {
                    String oid = e.path("lfs").path("oid").asText("");
                    found = Sha256.isValid(oid)
                            ? Optional.of(new Listed(oid, size(e.path("lfs").path("size"))))
                            : Optional.of(new Listed(null, size(e.path("size"))));
                }
            }
        }
        return found;
    }

    /** A size the listing gives: a whole number of bytes, else unknown (-1). */
    private static long size(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 0 ? n.asLong() : -1;
    }

    /** Downloads the resolved file into the cache, verified; returns the cached path. */
    public Path download(Resolved resolved, ContentCache cache, DownloadListener listener) {
        DownloadRequest req = new DownloadRequest(resolved.url(), resolved.sha256(), resolved.sizeBytes(),
                resolved.ref().canonical(), headers());
        return downloader.fetch(req, cache, listener);
    }

    /** The first {@code maxBytes} of the resolved file (to read a GGUF header before downloading it). */
    public byte[] prefix(Resolved resolved, long maxBytes) {
        Downloader.SmallResponse r = downloader.getPrefix(resolved.url(), headers(), maxBytes);
        if (r.status() != 200 && r.status() != 206) {
            throw VmboxException.failed("Hugging Face answered HTTP " + r.status() + " for " + resolved.ref().canonical(),
                    "check access to the repository (HF_TOKEN for gated models) and try again", null);
        }
        return r.body();
    }

    private Map<String, String> headers() {
        Map<String, String> h = new HashMap<>();
        token.filter(t -> !t.isBlank()).ifPresent(t -> h.put("Authorization", "Bearer " + t));
        return h;
    }

    private static String enc(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encPath(String path) {
        StringBuilder b = new StringBuilder();
        for (String s : path.split("/")) {
            if (b.length() > 0) {
                b.append('/');
            }
            b.append(enc(s));
        }
        return b.toString();
    }
}
