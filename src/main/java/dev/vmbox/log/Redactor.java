package dev.vmbox.log;

import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Removes secrets from text before it is logged or shown. Known secret values are replaced by
 * {@code ***}; so are private-key blocks and common token shapes, whoever forgot to declare them.
 */
public final class Redactor {
    public static final String MASK = "***";

    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(-----END \\1PRIVATE KEY-----|\\z)", Pattern.DOTALL);
    private static final Pattern BEARER = Pattern.compile("(?i)(authorization:\\s*bearer\\s+)\\S+");
    private static final Pattern HF_TOKEN = Pattern.compile("\\bhf_[A-Za-z0-9]{20,}\\b");
    private static final Pattern TOKEN_ASSIGN = Pattern.compile(
            "(?i)\\b([A-Z0-9_]*(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY)[A-Z0-9_]*\\s*[=:]\\s*)(\\S+)");

    private Redactor() {
    }

    public static String redact(String text, Collection<String> secrets) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        for (String secret : secrets) {
            if (secret != null && secret.length() >= 4) {
                out = out.replace(secret, MASK);
            }
        }
        out = PRIVATE_KEY.matcher(out).replaceAll("-----BEGIN $1PRIVATE KEY-----" + MASK + "-----END $1PRIVATE KEY-----");
        out = BEARER.matcher(out).replaceAll("$1" + MASK);
        out = HF_TOKEN.matcher(out).replaceAll(MASK);
        out = TOKEN_ASSIGN.matcher(out).replaceAll("$1" + MASK);
        return out;
    }

    public static String redact(String text) {
        return redact(text, java.util.List.of());
    }
}
