package dev.vmbox.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import dev.vmbox.image.ImageResolver;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

class ProviderRegistryTest {
    /** The image cache libvirt gets is made on first use; a method it did not pass on would answer wrongly (a default). */
    @Test
    void theImageCacheMadeOnFirstUseAnswersEveryMethodOfImageResolver() throws Exception {
        Class<?> lazy = Class.forName(ProviderRegistry.class.getName() + "$ImagesOnFirstUse");
        for (Method m : ImageResolver.class.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers())) {
                assertDoesNotThrow(() -> lazy.getDeclaredMethod(m.getName(), m.getParameterTypes()),
                        "ImagesOnFirstUse must pass " + m.getName() + " on to the image cache");
            }
        }
    }
}
