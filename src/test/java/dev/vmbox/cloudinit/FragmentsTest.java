package dev.vmbox.cloudinit;

import dev.vmbox.runtime.RuntimeKind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each fragment of cloud-init/ on its own: auditable header, typed keys only, valid for cloud-init. */
class FragmentsTest {
    static final Path FOLDER = Path.of(System.getProperty("vmbox.repo", "."), "cloud-init");

    static Stream<String> fragments() throws IOException {
        try (Stream<Path> s = Files.walk(FOLDER)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).map(p -> FOLDER.relativize(p).toString())
                    .sorted().toList().stream();
        }
    }

    @Test
    void everyRuntimePolicyAndGpuHasItsFragment() throws IOException {
        List<String> all = fragments().toList();
        for (RuntimeKind r : RuntimeKind.values()) {
            assertTrue(all.contains(r.fragment()), r.fragment());
        }
        for (var e : dev.vmbox.spec.EgressPolicy.values()) {
            assertTrue(all.contains("egress/" + e.cliName() + ".yaml"), e.cliName());
        }
        assertTrue(all.contains(GpuKind.NVIDIA.fragment().orElseThrow()));
        // the runtime image's own files: baked into the image by vmbox image build, never sent as user-data
        assertTrue(all.contains("image/llama-cpp.yaml"));
        assertEquals(9, all.size(), "a new fragment needs a place in CloudInitComposer or the image recipe: " + all);
    }

    @ParameterizedTest
    @MethodSource("fragments")
    void isShippedAuditableTypedAndValid(String fragment) throws IOException {
        String text = Fragments.text(fragment);
        assertEquals(Files.readString(FOLDER.resolve(fragment)), text, "the jar ships the file as it is");
        List<String> lines = text.lines().toList();
        assertEquals("#cloud-config", lines.get(0));
        assertTrue(lines.get(1).startsWith("# vmbox "), "second line says what the fragment is: " + lines.get(1));
        assertTrue(lines.stream().skip(1).takeWhile(l -> l.startsWith("#")).count() >= 4,
                "a comment at the top says what and why");
        Fragments.load(fragment);
        RealTools.require("cloud-init");
        CommandResult r = RealTools.RUNNER.run(Command.of(Duration.ofSeconds(60), "cloud-init", "schema",
                "--config-file", FOLDER.resolve(fragment).toString()).allowExitCodes(1));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    @Test
    void missingFragmentIsAnInternalError() {
        VmboxException e = assertThrows(VmboxException.class, () -> Fragments.load("runtime/nope.yaml"));
        assertEquals(ExitCode.INTERNAL, e.exitCode());
    }
}
