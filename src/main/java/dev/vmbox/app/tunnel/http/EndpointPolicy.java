package dev.vmbox.app.tunnel.http;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may use one endpoint, checked on every request before anything reaches the runtime:
 * <ol>
 *   <li>{@code Host} must name this endpoint (127.0.0.1:PORT, localhost:PORT, [::1]:PORT for a loopback
 *       endpoint; the address itself for an exposed one): a page that rebinds its own name to 127.0.0.1 sends
 *       its own name, and is refused (403);</li>
 *   <li>{@code Origin}, when sent, must be this endpoint's own origin; any other (including {@code null}) is a web
 *       page elsewhere (403);</li>
 *   <li>{@code Sec-Fetch-Site: cross-site} or {@code same-site} is a page elsewhere that sent no Origin (403);</li>
 *   <li>the instance's API key, as {@code Authorization: Bearer KEY} or {@code X-Api-Key: KEY}, unless the
 *       request is one of the runtime's public paths (health, version, its web UI's static files) (401).</li>
 * </ol>
 * Nothing here depends on the runtime's own checks, so Ollama, llama-server and vLLM get the same gate.
 */
public final class EndpointPolicy {
    private static final Pattern STATIC_ASSET = Pattern.compile("/[A-Za-z0-9_./-]*\\.(?:js|mjs|css|ico|svg|png|woff2?)");
    private static final Pattern UNIX_HOST = Pattern.compile("(?:localhost|127\\.0\\.0\\.1|\\[::1\\])(?::[0-9]{1,5})?");

    private final Set<String> hosts;
    private final boolean unixSocket;
    private final byte[] key;
    private final PublicPaths publicPaths;
    private final String instance;

    /**
     * @param hosts       the Host values (lower case) that name this endpoint; ignored for a Unix socket
     * @param unixSocket  the endpoint is a Unix socket: Host may be localhost, 127.0.0.1 or [::1], any port
     * @param key         the API key, or null when the instance's owner turned the key off
     * @param publicPaths what answers without the key
     * @param instance    the instance's name, for the 401's hint
     */
    public EndpointPolicy(Set<String> hosts, boolean unixSocket, String key, PublicPaths publicPaths, String instance) {
        this.hosts = Set.copyOf(hosts);
        this.unixSocket = unixSocket;
        this.key = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        this.publicPaths = publicPaths;
        this.instance = instance;
    }

    /**
     * The Host values of a TCP endpoint on {@code address:port}: for a loopback address the three names of
     * the loopback endpoints vmbox holds (127.0.0.1, localhost and [::1] with the port); otherwise the address
     * itself. Port 80 may also be left out, as browsers do.
     */
    public static Set<String> tcpHosts(InetAddress address, int port) {
        Set<String> names = new LinkedHashSet<>();
        if (address.isLoopbackAddress()) {
            names.add(literal(address));
            names.add("127.0.0.1");
            names.add("localhost");
            names.add("[::1]");
        } else {
            names.add(literal(address));
        }
        Set<String> out = new LinkedHashSet<>();
        for (String n : names) {
            out.add(n + ":" + port);
            if (port == 80) {
                out.add(n);
            }
        }
        return out;
    }

    private static String literal(InetAddress a) {
        String s = a.getHostAddress();
        int pct = s.indexOf('%');
        if (pct >= 0) {
            s = s.substring(0, pct);
        }
        if (a instanceof Inet6Address) {
            s = "[" + compress(s) + "]";
        }
        return s.toLowerCase(Locale.ROOT);
    }

    /** {@code 0:0:0:0:0:0:0:1} as browsers write it, {@code ::1}. */
    private static String compress(String full) {
        return full.replaceFirst("(^|:)(0(:|$)){2,}", "::").replaceFirst(":::", "::");
    }

    /** Passes, or says why not (403, 401, 400 for a repeated field). */
    public void check(RequestHead req) throws HttpRefusal {
        String host = req.single("Host");
        if (host == null) {
            throw new HttpRefusal(400, "malformed request: no Host header");
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (!(unixSocket ? UNIX_HOST.matcher(h).matches() : hosts.contains(h))) {
            throw new HttpRefusal(403, "refused: this endpoint answers only requests addressed to it by its own "
                    + "address (Host); a web page reaching it under another name is refused");
        }
        String origin = req.single("Origin");
        if (origin != null && !origin.toLowerCase(Locale.ROOT).equals("http://" + h)) {
            throw new HttpRefusal(403, "refused: requests from web pages (Origin) are not served");
        }
        for (String site : req.values("Sec-Fetch-Site")) {
            String s = site.trim().toLowerCase(Locale.ROOT);
            if (s.equals("cross-site") || s.equals("same-site")) {
                throw new HttpRefusal(403, "refused: requests from web pages on other sites are not served");
            }
        }
        if (key == null || publicPaths.matches(req.method(), req.path())) {
            return;
        }
        String presented = presentedKey(req);
        if (presented == null || !MessageDigest.isEqual(key, presented.getBytes(StandardCharsets.UTF_8))) {
            throw new HttpRefusal(401, (presented == null ? "this API needs its key" : "wrong API key")
                    + ": send 'Authorization: Bearer KEY' (vmbox api-key " + instance + " prints it)");
        }
    }

    /**
     * The head as the runtime gets it ({@link RequestHead#forUpstream()}). A request this endpoint serves without the
     * client's key (a public path: the runtime's health and version, its web UI's files) goes on with the
     * instance's key in place of any key the client sent, so a runtime that checks the same key itself
     * (llama-server given the key file) serves what this endpoint made public: a browser loading the UI's script and
     * style files cannot send a key. Every other request goes on with its {@code Authorization} unchanged.
     */
    public byte[] forUpstream(RequestHead req) {
        boolean keyless = key != null && publicPaths.matches(req.method(), req.path());
        return req.forUpstream(keyless ? "Bearer " + new String(key, StandardCharsets.UTF_8) : null);
    }

    private static String presentedKey(RequestHead req) throws HttpRefusal {
        String auth = req.single("Authorization");
        if (auth != null) {
            int sp = auth.indexOf(' ');
            if (sp > 0 && auth.substring(0, sp).equalsIgnoreCase("Bearer")) {
                return auth.substring(sp + 1).strip();
            }
            return null;
        }
        return req.single("X-Api-Key");
    }

    /** What a runtime answers without the key: GET and HEAD of its health and version paths and its UI's files. */
    public record PublicPaths(List<String> exact, boolean staticAssets) {
        public PublicPaths {
            exact = List.copyOf(exact);
        }

        public static final PublicPaths NONE = new PublicPaths(List.of(), false);

        /** Ollama: {@code /} ("Ollama is running") and {@code /api/version}. */
        public static PublicPaths ollama() {
            return new PublicPaths(List.of("/", "/api/version"), false);
        }

        /** llama-server: {@code /health}, {@code /v1/health}, and its web UI ({@code /} and static files). */
        public static PublicPaths llamaServer() {
            return new PublicPaths(List.of("/health", "/v1/health", "/", "/index.html"), true);
        }

        /** vLLM: {@code /health}, {@code /ping}, {@code /version}. */
        public static PublicPaths vllm() {
            return new PublicPaths(List.of("/health", "/ping", "/version"), false);
        }

        boolean matches(String method, String path) {
            if (!method.equals("GET") && !method.equals("HEAD")) {
                return false;
            }
            return exact.contains(path) || staticAssets && !path.contains("..") && !path.contains("//")
                    && STATIC_ASSET.matcher(path).matches();
        }
    }
}
