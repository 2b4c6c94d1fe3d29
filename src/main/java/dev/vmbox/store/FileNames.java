package dev.vmbox.store;

/**
 * Every name vmbox uses inside VMBOX_HOME. Shared folders start with '_' so no instance can be
 * called like one (instance names must start with a letter).
 */
public final class FileNames {
    public static final String CONFIG_DIR = "_config";
    public static final String CONFIG_FILE = "config.yaml";
    public static final String CACHE_DIR = "_cache";
    public static final String IMAGES_DIR = "images";
    public static final String DOWNLOADS_DIR = "downloads";

    public static final String INSTANCE_RECORD = "instance.json";
    public static final String LOCK = ".lock";
    public static final String SSH_DIR = "ssh";
    public static final String CLIENT_KEY = "id_ed25519";
    public static final String KNOWN_HOSTS = "known_hosts";
    public static final String CLOUD_INIT_DIR = "cloud-init";
    public static final String LOGS_DIR = "logs";
    public static final String CREATE_LOG = "create.log";
    public static final String TUNNEL_DIR = "tunnel";

    private FileNames() {
    }
}
