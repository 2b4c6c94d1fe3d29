package dev.vmbox.cloudinit;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the cloud-config fragments of the top-level {@code cloud-init/} folder, which the build ships
 * inside the jar under {@value #ROOT}. Each must start with {@code #cloud-config} and may use only the
 * keys {@link UserData} knows.
 */
public final class Fragments {
    static final String ROOT = "/dev/vmbox/cloud-init/";
    public static final String BASE = "base/base.yaml";

    private Fragments() {
    }

    /** The text of a fragment, e.g. {@code "egress/sealed.yaml"}. */
    public static String text(String relative) {
        try (InputStream in = Fragments.class.getResourceAsStream(ROOT + relative)) {
            if (in == null) {
                throw new VmboxException(ExitCode.INTERNAL, "cloud-init fragment '" + relative + "' is missing from vmbox",
                        "the vmbox jar is incomplete; rebuild or reinstall it");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cannot read cloud-init fragment '" + relative + "'",
                    "the vmbox jar is damaged; reinstall it", e);
        }
    }

    /** A fragment read into typed cloud-config. */
    public static UserData load(String relative) {
        String text = text(relative);
        if (!text.startsWith("#cloud-config\n")) {
            throw new VmboxException(ExitCode.INTERNAL, "cloud-init fragment '" + relative
                    + "' does not start with #cloud-config", "fix the fragment in cloud-init/");
        }
        try {
            return CloudInitRenderer.MAPPER.readValue(text, UserData.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new VmboxException(ExitCode.INTERNAL, "cloud-init fragment '" + relative + "' is not valid: "
                    + e.getMessage().lines().findFirst().orElse(""), "fix the fragment in cloud-init/", e);
        }
    }
}
