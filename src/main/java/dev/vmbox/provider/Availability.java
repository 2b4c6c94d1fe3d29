package dev.vmbox.provider;

/**
 * Whether a provider can be used on this host, and if not, why and what to do. Produced by
 * {@link Provider#probe()}, which never throws for "not installed": it reports.
 *
 * @param providerId "libvirt", "lima" or "multipass"
 * @param installed  its command-line program was found
 * @param working    the program runs and its daemon (if any) answers
 * @param binary     the path of the program, or null when not found
 * @param version    the version it reports, or null
 * @param detail     one line: what works, or what is wrong
 * @param hint       what to do when it is not working; null when it is
 */
public record Availability(String providerId, boolean installed, boolean working, String binary, String version,
                           String detail, String hint) {

    public static Availability missing(String providerId, String detail, String hint) {
        return new Availability(providerId, false, false, null, null, detail, hint);
    }

    public boolean usable() {
        return installed && working;
    }
}
