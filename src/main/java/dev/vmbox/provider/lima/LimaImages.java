package dev.vmbox.provider.lima;

import dev.vmbox.VmboxException;
import dev.vmbox.spec.VmSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * vmbox image names to Lima's own image lists ({@code templates/_images/*.yaml} in Lima 2.x, which
 * carry the download URL and digest of each cloud image per architecture). vmbox's default image
 * (a minimal Debian 12 for libvirt) maps to Lima's Debian 12 cloud image.
 */
public final class LimaImages {
    private static final Map<String, String> IMAGES = new LinkedHashMap<>();

    static {
        IMAGES.put(VmSpec.DEFAULT_IMAGE, "template:_images/debian-12");
        IMAGES.put("debian-12", "template:_images/debian-12");
        IMAGES.put("debian-13", "template:_images/debian-13");
        IMAGES.put("ubuntu-22.04", "template:_images/ubuntu-22.04");
        IMAGES.put("ubuntu-24.04", "template:_images/ubuntu-24.04");
        IMAGES.put("fedora", "template:_images/fedora");
    }

    private LimaImages() {
    }

    public static Optional<String> baseTemplate(String image) {
        return Optional.ofNullable(IMAGES.get(image));
    }

    public static String require(String image) {
        return baseTemplate(image).orElseThrow(() -> VmboxException.badInput(
                "Lima has no image called '" + image + "' for vmbox",
                "use one of: " + String.join(", ", IMAGES.keySet())));
    }
}
