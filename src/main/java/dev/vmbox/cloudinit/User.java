package dev.vmbox.cloudinit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/** One entry of cloud-config {@code users}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "gecos", "system", "no_create_home", "homedir", "shell", "lock_passwd", "sudo",
        "groups", "ssh_authorized_keys"})
public record User(
        @JsonProperty("name") String name,
        @JsonProperty("gecos") String gecos,
        @JsonProperty("system") Boolean system,
        @JsonProperty("no_create_home") Boolean noCreateHome,
        @JsonProperty("homedir") String homedir,
        @JsonProperty("shell") String shell,
        @JsonProperty("lock_passwd") Boolean lockPasswd,
        @JsonProperty("sudo") String sudo,
        @JsonProperty("groups") String groups,
        @JsonProperty("ssh_authorized_keys") List<String> sshAuthorizedKeys) {

    public User {
        Objects.requireNonNull(name, "users entry without name");
        sshAuthorizedKeys = sshAuthorizedKeys == null ? null : List.copyOf(sshAuthorizedKeys);
    }
}
