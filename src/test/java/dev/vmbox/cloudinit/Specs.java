package dev.vmbox.cloudinit;

import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.HostKeyPair;
import dev.vmbox.spec.EgressPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Fixed inputs for composer tests and golden files (public test-only keys, dummy private key text). */
final class Specs {
    static final String CLIENT_KEY = resource("/fixtures/keys/TEST-ONLY-client_ed25519.pub").strip();
    static final String HOST_PUB = resource("/fixtures/keys/TEST-ONLY-host_ed25519_key.pub").strip();
    static final String DUMMY_PRIVATE = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
            + "VEVTVC1PTkxZLW5vdC1hLXJlYWwta2V5\n"
            + "-----END OPENSSH PRIVATE KEY-----\n";
    static final HostKeyPair HOST_KEY = new HostKeyPair(DUMMY_PRIVATE, HOST_PUB);

    private Specs() {
    }

    static GuestSpec spec(RuntimeKind runtime, EgressPolicy egress, GpuKind gpu) {
        return new GuestSpec("golden", "golden", "vmadmin", CLIENT_KEY, HOST_KEY, runtime, runtime.defaultPort(),
                egress, gpu, 8L << 30, 512, "llama3.1:8b", ProviderLogin.NONE);
    }

    static GuestSpec spec() {
        return spec(RuntimeKind.OLLAMA, EgressPolicy.SEALED, GpuKind.NONE);
    }

    static String resource(String name) {
        try (InputStream in = Specs.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
