package dev.vmbox.cloudinit;

import dev.vmbox.runtime.RuntimeKind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.spec.EgressPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every cloud-config vmbox can render (runtime x egress policy x GPU) is pinned by a golden file and
 * accepted by the real {@code cloud-init schema}. Regenerate the golden files after a deliberate
 * change with {@code mvn -Dvmbox.updateGolden=true test -Dtest=CloudInitMatrixTest}, then review the diff.
 */
class CloudInitMatrixTest {
    static final boolean UPDATE = Boolean.getBoolean("vmbox.updateGolden");

    static Stream<Arguments> all() {
        List<Arguments> out = new ArrayList<>();
        for (RuntimeKind r : RuntimeKind.values()) {
            for (EgressPolicy e : EgressPolicy.values()) {
                for (GpuKind g : GpuKind.values()) {
                    out.add(Arguments.of(r, e, g));
                }
            }
        }
        return out.stream();
    }

    static String goldenName(RuntimeKind r, EgressPolicy e, GpuKind g) {
        return r.slug() + "-" + e.cliName() + "-" + g.name().toLowerCase(Locale.ROOT) + ".user-data";
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("all")
    void matchesGoldenFile(RuntimeKind r, EgressPolicy e, GpuKind g) throws IOException {
        assertGolden(goldenName(r, e, g), CloudInitComposer.renderUserData(Specs.spec(r, e, g)));
    }

    static void assertGolden(String name, String rendered) throws IOException {
        if (UPDATE) {
            Path dir = Path.of(System.getProperty("vmbox.repo", "."), "src/test/resources/golden/cloudinit");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name), rendered, StandardCharsets.UTF_8);
            return;
        }
        assertEquals(Specs.resource("/golden/cloudinit/" + name), rendered,
                "rendered cloud-config differs from golden/cloudinit/" + name
                        + "; if the change is intended, rerun with -Dvmbox.updateGolden=true and review the diff");
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("all")
    void passesRealCloudInitSchema(RuntimeKind r, EgressPolicy e, GpuKind g, @TempDir Path tmp) throws IOException {
        assertValidCloudConfig(CloudInitComposer.renderUserData(Specs.spec(r, e, g)), tmp);
    }

    /** The logins of the providers that log in to their guests themselves (Lima, Multipass). */
    static Stream<Arguments> providerLogins() {
        return Stream.of(Arguments.of(ProviderLogin.of("lima", "lima")), Arguments.of(ProviderLogin.of("multipass", "ubuntu")));
    }

    static GuestSpec providerSpec(ProviderLogin login) {
        return Specs.spec().withProviderLogin(login);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providerLogins")
    void providerLoginMatchesGoldenFile(ProviderLogin login) throws IOException {
        assertGolden("ollama-sealed-none-" + login.provider() + ".user-data",
                CloudInitComposer.renderUserData(providerSpec(login)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providerLogins")
    void providerLoginPassesRealCloudInitSchema(ProviderLogin login, @TempDir Path tmp) throws IOException {
        assertValidCloudConfig(CloudInitComposer.renderUserData(providerSpec(login)), tmp);
    }

    /** The system config that keeps the pinned host key is itself valid cloud-config (cloud.cfg.d takes the same keys). */
    @org.junit.jupiter.api.Test
    void keepHostKeyConfigPassesRealCloudInitSchema(@TempDir Path tmp) throws IOException {
        String content = CloudInitComposer.compose(Specs.spec()).writeFiles().stream()
                .filter(f -> f.path().equals("/etc/cloud/cloud.cfg.d/99-vmbox-keep-host-key.cfg"))
                .map(WriteFile::content).findFirst().orElseThrow();
        assertTrue(content.contains("ssh_deletekeys: false"), content);
        assertValidCloudConfig(content, tmp);
    }

    static void assertValidCloudConfig(String text, Path tmp) throws IOException {
        RealTools.require("cloud-init");
        Path file = tmp.resolve("user-data");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        CommandResult res = RealTools.RUNNER.run(Command.of(Duration.ofSeconds(60),
                "cloud-init", "schema", "--config-file", file.toString()).allowExitCodes(1));
        assertEquals(0, res.exitCode(), "cloud-init schema refused it: " + res.stdout() + res.stderr());
        assertTrue(res.stdout().contains("Valid cloud-config"), res.stdout());
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("all")
    void isDeterministic(RuntimeKind r, EgressPolicy e, GpuKind g) {
        GuestSpec s = Specs.spec(r, e, g);
        assertEquals(CloudInitComposer.renderUserData(s), CloudInitComposer.renderUserData(s));
    }
}
