package dev.vmbox.cloudinit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** One entry of cloud-config {@code write_files}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"path", "owner", "permissions", "encoding", "defer", "content"})
public record WriteFile(
        @JsonProperty("path") String path,
        @JsonProperty("owner") String owner,
        @JsonProperty("permissions") String permissions,
        @JsonProperty("encoding") String encoding,
        @JsonProperty("defer") Boolean defer,
        @JsonProperty("content") String content) {

    public WriteFile {
        Objects.requireNonNull(path, "write_files entry without path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("write_files path must be absolute: " + path);
        }
    }

    /** A root-owned text file. */
    public static WriteFile root(String path, String permissions, String content) {
        return new WriteFile(path, "root:root", permissions, null, null, content);
    }
}
