package dev.vmbox.app.instance;

import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelWish;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.ApiKeys;
import dev.vmbox.store.InstanceLock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code vmbox env NAME}: the environment variables clients read to reach an instance's API, taken from its record
 * (runtime, address, port) and its tunnel's wish (TCP or Unix socket, key on or off). Nothing is asked of the VM or
 * the agent: the variables are the same whether the tunnel is up now or not.
 *
 * <p>Which variables, by who reads them:
 * <ul>
 *   <li>{@value #OLLAMA_HOST}: the {@code ollama} CLI and the Ollama Python/JS libraries (Ollama instances only);</li>
 *   <li>{@value #OPENAI_BASE_URL} and {@value #OPENAI_API_KEY}: OpenAI SDKs (Python, Node; every runtime serves
 *       {@code /v1});</li>
 *   <li>{@value #OLLAMA_BASE_URL} (Ollama instances) and {@value #OPENAI_API_BASE_URL}: Open WebUI's connections;
 *       Open WebUI reads the same {@value #OPENAI_API_KEY} for the latter.</li>
 * </ul>
 * The key is only ever set together with a base URL that points at the instance, so a client never sends it
 * anywhere else (an OpenAI SDK given only the key would send it to api.openai.com).
 */
public final class ClientEnvironment {
    public static final String OLLAMA_HOST = "OLLAMA_HOST";
    public static final String OPENAI_BASE_URL = "OPENAI_BASE_URL";
    public static final String OPENAI_API_KEY = "OPENAI_API_KEY";
    public static final String OLLAMA_BASE_URL = "OLLAMA_BASE_URL";
    public static final String OPENAI_API_BASE_URL = "OPENAI_API_BASE_URL";
    /** vmbox's own: the path of a {@code --socket} endpoint, for {@code curl --unix-socket "$VMBOX_API_SOCKET"}. */
    public static final String VMBOX_API_SOCKET = "VMBOX_API_SOCKET";

    private final InstanceLookup instances;
    private final ApiTunnel tunnel;

    public ClientEnvironment(InstanceLookup instances, ApiTunnel tunnel) {
        this.instances = instances;
        this.tunnel = tunnel;
    }

    /**
     * What clients of {@code name} need.
     *
     * @param withKey include the API key ({@value #OPENAI_API_KEY}); made now if the instance has none yet, as
     *                {@code vmbox api-key} does
     */
    public Env env(String name, boolean withKey) {
        try (InstanceLock ignored = instances.lock(name)) {
            Instance instance = instances.ready(name);
            InstanceSettings s = instance.settings();
            RuntimeKind runtime = RuntimeKind.parse(s.string(InstanceSettings.RUNTIME));
            String model = s.stringOr(InstanceSettings.MODEL_NAME, s.stringOr(InstanceSettings.MODEL, null));
            TunnelWish wish = tunnel.control().wish(instance.files().tunnelDir());
            Map<String, String> vars = new LinkedHashMap<>();
            List<String> notes = new ArrayList<>();
            if (wish.socket()) {
                String socket = instance.files().tunnel().apiSocket().toString();
                vars.put(VMBOX_API_SOCKET, socket);
                notes.add(name + "'s API is a Unix socket (tunnel start --socket); only clients that can be given a "
                        + "socket take it: curl --unix-socket \"$" + VMBOX_API_SOCKET + "\" -H \"Authorization: Bearer "
                        + "$(vmbox api-key " + name + ")\" http://localhost/" + probePath(runtime));
                notes.add("no base URL is set: OLLAMA_HOST, OPENAI_BASE_URL and Open WebUI need TCP (vmbox tunnel start "
                        + name + " --port " + s.integer(InstanceSettings.API_PORT) + ")");
                return new Env(name, runtime.cliName(), model, null, socket, !wish.keyOff(), vars, notes);
            }
            String url = ApiTunnel.url(instance.apiBind(), s.integer(InstanceSettings.API_PORT));
            if (runtime == RuntimeKind.OLLAMA) {
                vars.put(OLLAMA_HOST, url);
            }
            vars.put(OPENAI_BASE_URL, url + "/v1");
            if (withKey) {
                vars.put(OPENAI_API_KEY, ApiKeys.ensure(instance.files().apiKey()));
            }
            if (runtime == RuntimeKind.OLLAMA) {
                vars.put(OLLAMA_BASE_URL, url);
            }
            vars.put(OPENAI_API_BASE_URL, url + "/v1");
            if (!withKey) {
                notes.add(OPENAI_API_KEY + " left out (--no-key); clients need it: vmbox api-key " + name);
            }
            if (wish.keyOff()) {
                notes.add("the API key is off for " + name + " (tunnel start --no-api-key): the endpoint does not "
                        + "check it");
            } else if (runtime == RuntimeKind.OLLAMA) {
                notes.add("the ollama command-line client cannot send the key; it gets 401 unless the key is off "
                        + "(vmbox tunnel start " + name + " --no-api-key)");
            }
            return new Env(name, runtime.cliName(), model, url, null, !wish.keyOff(), vars, notes);
        }
    }

    private static String probePath(RuntimeKind runtime) {
        return runtime == RuntimeKind.OLLAMA ? "api/tags" : "v1/models";
    }

    /**
     * An instance's client environment.
     *
     * @param instance    the instance's name
     * @param runtime     ollama, llama.cpp, vllm
     * @param model       the model's name (what an OpenAI client passes as {@code model}), or null
     * @param url         the API's base URL ({@code http://127.0.0.1:PORT}); null for a Unix socket
     * @param socket      the Unix socket's path; null for TCP
     * @param keyRequired the endpoint asks for the API key
     * @param variables   name to value, in the order they are printed
     * @param notes       what applies and what does not, one sentence each, never holding a value of a variable
     */
    public record Env(String instance, String runtime, String model, String url, String socket, boolean keyRequired,
                      Map<String, String> variables, List<String> notes) {
        public Env {
            variables = Collections.unmodifiableMap(new LinkedHashMap<>(variables));
            notes = List.copyOf(notes);
        }
    }
}
