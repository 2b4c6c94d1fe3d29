package dev.vmbox.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.testing.E2ePrerequisites;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, the real-VM sample of the fault matrix in CI: {@code scripts/fault-matrix --sample} kills {@code vmbox create}
 * with SIGKILL while the real VM boots (its ssh step), then checks that {@code list} says what libvirt says and that
 * {@code delete} leaves no domain, disk, instance folder or process. About a minute under software emulation; the whole
 * matrix is the script without {@code --sample}.
 */
@Tag("e2e")
class FaultMatrixSampleIT {
    @Test
    void aCreateKilledWhileTheVmBootsLeavesTheTruthAndNothingBehind() throws Exception {
        CommandRunner runner = new ZtExecCommandRunner(EventLog.NONE, Executables.fromEnvironment(System.getenv()));
        E2ePrerequisites.check("FaultMatrixSampleIT", runner, List.of("virsh", "qemu-img", "ssh", "ssh-keygen", "tar", "curl"));
        java.nio.file.Path log = Files.createTempFile("fault-matrix", ".log");
        Process p = new ProcessBuilder(E2ePrerequisites.repo().resolve("scripts/fault-matrix").toString(), "--sample")
                .directory(E2ePrerequisites.repo().toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = p.waitFor(10, TimeUnit.MINUTES);
        if (!ended) {
            p.destroyForcibly(); // by pid; the script's EXIT trap does not run then, its VM is named kc-ssh-*
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        System.out.println(text);
        assertTrue(ended, "scripts/fault-matrix --sample did not end within 10 minutes");
        assertEquals(0, p.exitValue(), text);
        String table = Files.readString(E2ePrerequisites.repo().resolve("target/faults/real-vm.md"));
        assertTrue(table.contains("lying list rows: 0; faults with leftovers: 0"), table);
    }
}
