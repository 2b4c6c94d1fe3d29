package dev.vmbox.download;

import dev.vmbox.VmboxException;
import java.net.URI;
import java.util.Locale;

/**
 * Which URLs vmbox fetches from: https anywhere, plain http only to the loopback address (used by
 * tests and local mirrors). Applied to the first URL and to every redirect.
 */
public final class UrlPolicy {
    private UrlPolicy() {
    }

    public static boolean allowed(URI uri) {
        if (uri == null || uri.getScheme() == null || uri.getHost() == null) {
            return false;
        }
        if (uri.getUserInfo() != null) {
            return false;
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        return scheme.equals("https") || (scheme.equals("http") && isLoopbackHost(uri.getHost()));
    }

    public static void require(URI uri, String what) {
        if (!allowed(uri)) {
            throw VmboxException.badInput("refusing to download " + what + " from " + safe(uri)
                    + ": only https URLs (or http to 127.0.0.1) are allowed",
                    "use an https URL");
        }
    }

    /** Loopback by its literal form only; never resolves names (no DNS lookups to decide). */
    public static boolean isLoopbackHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        String[] parts = h.split("\\.", -1);
        if (parts.length != 4 || !parts[0].equals("127")) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** The URL without query or user info, for messages (a query may carry a signed token). */
    public static String safe(URI uri) {
        if (uri == null) {
            return "(no URL)";
        }
        String s = (uri.getScheme() == null ? "" : uri.getScheme() + "://") + (uri.getHost() == null ? "" : uri.getHost())
                + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + (uri.getRawPath() == null ? "" : uri.getRawPath());
        return uri.getRawQuery() == null ? s : s + "?…";
    }
}
