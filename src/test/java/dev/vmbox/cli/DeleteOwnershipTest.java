package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.exec.Command;
import dev.vmbox.testing.CliHarness;
import dev.vmbox.testing.CliHarness.Result;
import dev.vmbox.testing.FakeProviders;
import dev.vmbox.testing.NodeDeviceFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmbox delete -f NAME} with no record of NAME: every provider is asked, and only a VM its provider shows is
 * vmbox's is removed. A VM someone else made under vmbox's name, or one nothing can prove (Multipass keeps no mark),
 * is left alone and the command fails naming it: 7 (IN_USE). The provider CLIs are the project's fakes.
 */
class DeleteOwnershipTest {
    private static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    CliHarness cli;
    FakeProviders fakes;

    @BeforeEach
    void setUp() throws IOException {
        cli = new CliHarness(tmp.resolve("vmbox-home"));
        fakes = FakeProviders.install(tmp.resolve("fakes"));
        Path libvirt = tmp.resolve("libvirt/bin");
        NodeDeviceFixture.installFakes(libvirt);
        cli.env("PATH", fakes.bin() + ":" + libvirt + ":/usr/bin:/bin");
    }

    private void limaInstance(String yaml) {
        fakes.runner().run(Command.of(T, "limactl", "create", "--tty=false", "--name=vmbox-llm", "-")
                .withStdin(yaml.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aForeignLimaInstanceIsLeftAloneAndNamed() {
        limaInstance("vmType: qemu\nmessage: my own VM\n");
        Result r = cli.run("delete", "-f", "llm");
        assertEquals(7, r.exitCode(), r.toString());
        assertTrue(r.err().contains("vmbox has no record of 'llm'"), r.err());
        assertTrue(r.err().contains("vmbox will not delete the lima VM 'vmbox-llm': it was not made by vmbox "
                + "(its lima.yaml has no vmbox marker)"), r.err());
        assertEquals(List.of("vmbox-llm"), fakes.limaInstances());
        assertTrue(fakes.limaCalls().stream().noneMatch(c -> c.get(0).equals("delete")), fakes.limaCalls().toString());
    }

    @Test
    void aLimaInstanceVmboxMadeIsRemovedEvenWithoutARecord() {
        limaInstance("vmType: qemu\nmessage: \"vmbox instance 'llm': made by vmbox; manage it with vmbox\"\n");
        Result r = cli.run("delete", "-f", "llm");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of(), fakes.limaInstances());
    }

    @Test
    void aMultipassInstanceCannotBeProvenWithoutARecord() {
        fakes.runner().run(Command.of(T, "multipass", "launch", "--name", "vmbox-llm", "--cloud-init", "-",
                "--timeout", "5", "24.04").withStdin(new byte[0]));
        Result r = cli.run("delete", "-f", "llm");
        assertEquals(7, r.exitCode(), r.toString());
        assertTrue(r.err().contains("the multipass VM 'vmbox-llm': it cannot be shown to be vmbox's"), r.err());
        assertTrue(r.err().contains("vmbox has no record of 'llm' to prove it with"), r.err());
        assertEquals(List.of("vmbox-llm"), fakes.multipassInstances());
    }

    @Test
    void withoutForceAndWithoutARecordNothingIsAsked() {
        limaInstance("vmType: qemu\n");
        Result r = cli.run("delete", "llm");
        assertEquals(4, r.exitCode(), r.toString());
        assertEquals(List.of("vmbox-llm"), fakes.limaInstances());
    }
}
