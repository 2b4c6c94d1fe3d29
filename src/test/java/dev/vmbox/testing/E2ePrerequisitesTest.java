package dev.vmbox.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class E2ePrerequisitesTest {
    @Test
    void aMissingPrerequisiteFailsWhenEndToEndTestsWereAskedFor() {
        assertTrue(E2ePrerequisites.strict(Map.of("CI", "true")));
        assertTrue(E2ePrerequisites.strict(Map.of("VMBOX_E2E", "1")), "scripts/test runs e2e with VMBOX_E2E=1 alone");
        assertFalse(E2ePrerequisites.strict(Map.of()));
        assertFalse(E2ePrerequisites.strict(Map.of("VMBOX_E2E", "0", "CI", "false")));
    }
}
