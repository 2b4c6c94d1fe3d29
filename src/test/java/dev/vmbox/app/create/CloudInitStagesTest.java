package dev.vmbox.app.create;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.wait.NotReady;
import org.junit.jupiter.api.Test;

/** cloud-init's status file (26.2, as a runtime image's guest writes it) read for the per-instance stages. */
class CloudInitStagesTest {
    static final String BOOTING = """
            {"v1": {"datasource": "DataSourceNoCloud [seed=/dev/vdb]",
              "init-local": {"errors": [], "finished": 1796135120.5, "recoverable_errors": {}, "start": 1796135115.1},
              "init": {"errors": [], "finished": null, "recoverable_errors": {}, "start": 1796135124.9},
              "modules-config": {"errors": [], "finished": null, "recoverable_errors": {}, "start": null},
              "modules-final": {"errors": [], "finished": null, "recoverable_errors": {}, "start": null},
              "stage": "init"}}
            """;

    @Test
    void waitsForTheInitStagesOnly() {
        NotReady wait = assertThrows(NotReady.class, () -> CloudInitStages.finished(BOOTING));
        assertEquals("cloud-init's init stage has not finished", wait.getMessage());
        String done = BOOTING.replace("\"finished\": null, \"recoverable_errors\": {}, \"start\": 1796135124.9",
                "\"finished\": 1796135127.2, \"recoverable_errors\": {}, \"start\": 1796135124.9");
        assertEquals("cloud-init placed the per-instance parts (init-local, init)", CloudInitStages.finished(done),
                "config and final have nothing to do on a runtime image");
    }

    @Test
    void errorsOfTheStagesFailTheCreate() {
        VmboxException e = assertThrows(VmboxException.class, () -> CloudInitStages.finished(BOOTING.replace(
                "\"init\": {\"errors\": []", "\"init\": {\"errors\": [\"('users_groups', OSError('useradd failed'))\"]")));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("init: ('users_groups', OSError('useradd failed'))"), e.getMessage());
        assertThrows(NotReady.class, () -> CloudInitStages.finished("{\"v1\": "), "half written");
    }
}
