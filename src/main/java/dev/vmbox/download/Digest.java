package dev.vmbox.download;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Objects;

/**
 * The digest a file must have: SHA-256 (pinned runtimes and models, Ubuntu's SHA256SUMS) or SHA-512
 * (Debian's SHA512SUMS), as lower-case hex. The download cache keys files by it.
 *
 * @param algorithm which hash
 * @param hex       the digest, lower-case hex of the algorithm's length
 */
public record Digest(Algorithm algorithm, String hex) {
    /** The hashes vmbox verifies downloads with. */
    public enum Algorithm {
        SHA256(256),
        SHA512(512);

        private final int bits;

        Algorithm(int bits) {
            this.bits = bits;
        }

        /** The name the JDK and publishers use: {@code SHA-256}, {@code SHA-512}. */
        public String jcaName() {
            return "SHA-" + bits;
        }

        /** The short name tools print: {@code sha256}, {@code sha512} (also the cache folder's name). */
        public String label() {
            return "sha" + bits;
        }

        public int hexLength() {
            return bits / 4;
        }

        public MessageDigest newMessageDigest() {
            try {
                return MessageDigest.getInstance(jcaName());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no " + jcaName(), e);
            }
        }

        /** The algorithm whose hex digests have this length, or null. */
        static Algorithm ofHexLength(int length) {
            for (Algorithm a : values()) {
                if (a.hexLength() == length) {
                    return a;
                }
            }
            return null;
        }
    }

    public Digest {
        Objects.requireNonNull(algorithm, "algorithm");
        String h = hex == null ? "" : hex.toLowerCase(Locale.ROOT);
        if (h.length() != algorithm.hexLength() || !h.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("not a " + algorithm.jcaName() + " digest: " + hex);
        }
        hex = h;
    }

    /** A user- or file-given sha256 (see {@link Sha256#parse}); BAD_INPUT naming {@code what} when it is not one. */
    public static Digest sha256(String text, String what) {
        return new Digest(Algorithm.SHA256, Sha256.parse(text, what));
    }

    /** A sha256 already known to be valid (64 hex digits). */
    public static Digest sha256(String hex) {
        return new Digest(Algorithm.SHA256, hex);
    }

    public MessageDigest newMessageDigest() {
        return algorithm.newMessageDigest();
    }

    /** {@code sha256:HEX}. */
    @Override
    public String toString() {
        return algorithm.label() + ":" + hex;
    }
}
