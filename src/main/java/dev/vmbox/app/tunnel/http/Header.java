package dev.vmbox.app.tunnel.http;

/** One header field as received: the name as spelled, the value without surrounding whitespace. */
public record Header(String name, String value) {
    public boolean is(String other) {
        return name.equalsIgnoreCase(other);
    }
}
