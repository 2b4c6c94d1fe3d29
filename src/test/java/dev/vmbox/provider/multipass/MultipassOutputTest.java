package dev.vmbox.provider.multipass;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.VmboxException;
import dev.vmbox.provider.VmState;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The documented JSON shapes of Multipass 1.16 (research/providers.md), string-typed numbers included. */
class MultipassOutputTest {
    static final String INFO = """
            {
              "errors": [],
              "info": {
                "vmbox-llm": {
                  "zone": {"name": "zone1", "available": true},
                  "state": "Running",
                  "image_hash": "dced94c031cc1f23",
                  "image_release": "24.04 LTS",
                  "release": "Ubuntu 24.04.3 LTS",
                  "cpu_count": "4",
                  "snapshot_count": "0",
                  "load": [0.04, 0.06, 0.06],
                  "disks": {"sda1": {"used": "2402924032", "total": "20957446144"}},
                  "memory": {"used": 178364416, "total": 8323477504},
                  "ipv4": ["10.97.0.76", "172.17.0.1"],
                  "mounts": {"/mnt/x": {"source_path": "/home/me/x", "uid_mappings": [], "gid_mappings": []}}
                }
              }
            }
            """;

    @Test
    void infoWithStringTypedNumbers() {
        MultipassInstance i = MultipassOutput.parseInfo(INFO, "vmbox-llm").orElseThrow();
        assertEquals("Running", i.state());
        assertEquals(4, i.cpuCount());
        assertEquals(8323477504L, i.memoryTotal());
        assertEquals(20957446144L, i.diskTotal());
        assertEquals(List.of("10.97.0.76", "172.17.0.1"), i.ipv4());
        assertEquals(List.of("/home/me/x -> /mnt/x"), i.mounts());
        assertEquals(Optional.empty(), MultipassOutput.parseInfo(INFO, "other"));
    }

    @Test
    void stoppedInfoLeavesOutEmptyValues() {
        String stopped = "{\"errors\":[],\"info\":{\"vmbox-a\":{\"state\":\"Stopped\",\"cpu_count\":\"\","
                + "\"disks\":{\"sda1\":{}},\"memory\":{},\"ipv4\":[],\"mounts\":{}}}}";
        MultipassInstance i = MultipassOutput.parseInfo(stopped, "vmbox-a").orElseThrow();
        assertEquals(0, i.cpuCount());
        assertEquals(0, i.memoryTotal());
        assertEquals(List.of(), i.ipv4());
    }

    @Test
    void listShape() {
        String list = "{\"list\":[{\"name\":\"vmbox-llm\",\"state\":\"Running\",\"ipv4\":[\"10.97.0.76\"],"
                + "\"release\":\"Ubuntu 24.04.3 LTS\",\"zone\":{\"name\":\"zone1\"}},"
                + "{\"name\":\"x\",\"state\":\"Stopped\",\"ipv4\":[],\"release\":\"Not Available\"}]}";
        List<MultipassInstance> l = MultipassOutput.parseList(list);
        assertEquals(2, l.size());
        assertEquals("vmbox-llm", l.get(0).name());
        assertEquals(List.of("10.97.0.76"), l.get(0).ipv4());
    }

    @Test
    void everyStateMaps() {
        assertEquals(VmState.RUNNING, MultipassOutput.state("Running"));
        assertEquals(VmState.STOPPED, MultipassOutput.state("Stopped"));
        assertEquals(VmState.STARTING, MultipassOutput.state("Starting"));
        assertEquals(VmState.STARTING, MultipassOutput.state("Restarting"));
        assertEquals(VmState.STOPPING, MultipassOutput.state("Delayed Shutdown"));
        assertEquals(VmState.STOPPING, MultipassOutput.state("Suspending"));
        assertEquals(VmState.PAUSED, MultipassOutput.state("Suspended"));
        assertEquals(VmState.BROKEN, MultipassOutput.state("Deleted"));
        assertEquals(VmState.BROKEN, MultipassOutput.state("Unavailable"));
        assertEquals(VmState.BROKEN, MultipassOutput.state("Unknown"));
    }

    @Test
    void garbageIsRefusedNotGuessed() {
        for (String bad : new String[] {"", "null", "[]", "Name: x", "{\"info\": []}", "{\"info\":{\"vmbox-a\":{}}}"}) {
            VmboxException e = assertThrows(VmboxException.class, () -> MultipassOutput.parseInfo(bad, "vmbox-a"), bad);
            assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
        }
        assertThrows(VmboxException.class, () -> MultipassOutput.parseList("{\"list\":[{\"state\":\"Running\"}]}"));
    }
}
