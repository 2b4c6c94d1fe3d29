package dev.vmbox.store;

/**
 * Every name vmbox uses inside VMBOX_HOME, the one place they are spelled. Shared folders start with '_'
 * so no instance can be called like one (instance names must start with a letter). The paths built from
 * them live in one type per folder: {@link VmboxHome} (the home and its shared folders),
 * {@code app.instance.InstanceFiles} (one instance's folder), {@code app.tunnel.TunnelFiles} (its tunnel
 * folder).
 *
 * <pre>
 * VMBOX_HOME/
 *   _config/config.yaml
 *   _cache/images/  _cache/downloads/  _cache/staging/  _cache/tmp/
 *   _logs/NAME-create-failed.log      (a failed create whose instance folder is gone)
 *   _libvirt/                         (qemu:///session disks)
 *   _agent/agent.sock  .pid  .lock  .log   (the one tunnel agent of this VMBOX_HOME)
 *   NAME/instance.json  NAME/.lock
 *   NAME/ssh/id_ed25519[.pub]  NAME/ssh/ssh_host_ed25519_key[.pub]  NAME/ssh/known_hosts  NAME/ssh/api_key
 *   NAME/cloud-init/                  (the seed, until the provider has it)
 *   NAME/logs/create.log
 *   NAME/tunnel/tunnel.log  .log.1  .state.json  .settings.json  .wish.json  .known_hosts
 *   NAME/tunnel/upstream.sock  (ssh's forward, only the agent connects)  NAME/tunnel/api.sock  (--socket)
 * </pre>
 */
public final class FileNames {
    // VMBOX_HOME
    public static final String CONFIG_DIR = "_config";
    public static final String CONFIG_FILE = "config.yaml";
    public static final String CACHE_DIR = "_cache";
    /** Logs of failed creates whose instance folder was removed: {@code _logs/NAME-create-failed.log}. */
    public static final String FAILED_LOGS_DIR = "_logs";
    /** API ports claimed by creates under way ({@link PortClaims}): one {@code ADDRESS_PORT.json} each, and a lock. */
    public static final String PORT_CLAIMS_DIR = "_ports";
    public static final String FAILED_CREATE_LOG_SUFFIX = "-create-failed.log";
    /** Disks of VMs on {@code qemu:///session} (QEMU runs as the user). */
    public static final String LIBVIRT_SESSION_DIR = "_libvirt";
    /** The tunnel agent that serves every instance of this VMBOX_HOME. */
    public static final String AGENT_DIR = "_agent";

    // VMBOX_HOME/_agent
    /** Its control socket (0600 in the 0700 folder). */
    public static final String AGENT_SOCKET = "agent.sock";
    public static final String AGENT_PID = "agent.pid";
    /** Held (file lock) by the running agent: one per VMBOX_HOME. */
    public static final String AGENT_LOCK = "agent.lock";
    public static final String AGENT_LOG = "agent.log";

    // VMBOX_HOME/_cache
    public static final String IMAGES_DIR = "images";
    public static final String DOWNLOADS_DIR = "downloads";
    /** What create lays out for upload (runtime bundle, model files) before it goes to the guest. */
    public static final String STAGING_DIR = "staging";
    /** Short-lived files, e.g. the first bytes of a remote GGUF read for sizing. */
    public static final String TMP_DIR = "tmp";

    // VMBOX_HOME/NAME
    public static final String INSTANCE_RECORD = "instance.json";
    public static final String LOCK = ".lock";
    public static final String SSH_DIR = "ssh";
    public static final String CLOUD_INIT_DIR = "cloud-init";
    public static final String LOGS_DIR = "logs";
    public static final String TUNNEL_DIR = "tunnel";

    // VMBOX_HOME/NAME/ssh
    public static final String CLIENT_KEY = "id_ed25519";
    public static final String HOST_KEY = "ssh_host_ed25519_key";
    public static final String PUBLIC_KEY_SUFFIX = ".pub";
    public static final String KNOWN_HOSTS = "known_hosts";
    /** The instance's API key (the endpoint asks for it; runtimes that take one get the same). */
    public static final String API_KEY = "api_key";

    // VMBOX_HOME/NAME/logs
    public static final String CREATE_LOG = "create.log";

    // VMBOX_HOME/NAME/tunnel
    /** The pid file of the per-instance agents before one agent served all (read only to end such an agent). */
    public static final String TUNNEL_PID_LEGACY = "tunnel.pid";
    public static final String TUNNEL_LOG = "tunnel.log";
    /** The previous log after rotation. */
    public static final String TUNNEL_LOG_OLD = "tunnel.log.1";
    public static final String TUNNEL_STATE = "tunnel.state.json";
    public static final String TUNNEL_SETTINGS = "tunnel.settings.json";
    public static final String TUNNEL_KNOWN_HOSTS = "tunnel.known_hosts";
    /** What the owner wants of the tunnel: running or not, at host start or not, socket or TCP, key or not. */
    public static final String TUNNEL_WISH = "tunnel.wish.json";
    /** ssh's end of the tunnel: a socket only the agent connects to. */
    public static final String TUNNEL_UPSTREAM_SOCKET = "upstream.sock";
    /** The API as a Unix socket ({@code tunnel start --socket}). */
    public static final String TUNNEL_API_SOCKET = "api.sock";

    private FileNames() {
    }
}
