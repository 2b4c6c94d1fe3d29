package dev.vmbox.config;

/** One configuration value and the layer it came from (builtin, file, env, flag). */
public record Setting(String key, String value, String origin) {
}
