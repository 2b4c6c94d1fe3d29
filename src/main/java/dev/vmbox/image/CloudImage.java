package dev.vmbox.image;

import dev.vmbox.download.Digest;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An official cloud image and the publisher's checksum list it is verified against before use.
 *
 * @param name          the name users pass to {@code --image}
 * @param folder        the publisher's folder URL (ends with a slash)
 * @param fileName      the image file in that folder
 * @param checksumsFile the checksum list in that folder ({@code SHA256SUMS}, {@code SHA512SUMS})
 * @param algorithm     the list's digests: SHA-256 or SHA-512
 */
public record CloudImage(String name, URI folder, String fileName, String checksumsFile, Digest.Algorithm algorithm) {
    public CloudImage {
        if (!folder.toString().endsWith("/")) {
            throw new IllegalArgumentException("folder URL must end with '/': " + folder);
        }
        java.util.Objects.requireNonNull(algorithm, "algorithm");
    }

    public URI imageUri() {
        return folder.resolve(fileName);
    }

    public URI checksumsUri() {
        return folder.resolve(checksumsFile);
    }

    public static final CloudImage UBUNTU_24_04 = new CloudImage("ubuntu-24.04",
            URI.create("https://cloud-images.ubuntu.com/releases/24.04/release/"),
            "ubuntu-24.04-server-cloudimg-amd64.img", "SHA256SUMS", Digest.Algorithm.SHA256);

    public static final CloudImage DEBIAN_12 = new CloudImage("debian-12",
            URI.create("https://cloud.debian.org/images/cloud/bookworm/latest/"),
            "debian-12-genericcloud-amd64.qcow2", "SHA512SUMS", Digest.Algorithm.SHA512);

    /** The images {@code --image} accepts besides the locally built one. */
    public static Map<String, CloudImage> catalog() {
        Map<String, CloudImage> m = new LinkedHashMap<>();
        m.put(UBUNTU_24_04.name(), UBUNTU_24_04);
        m.put(DEBIAN_12.name(), DEBIAN_12);
        return m;
    }
}
