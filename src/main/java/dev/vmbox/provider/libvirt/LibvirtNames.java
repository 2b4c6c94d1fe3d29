package dev.vmbox.provider.libvirt;

/** How vmbox names its libvirt objects: every domain is {@code vmbox-<instance>}, so vmbox never touches others. */
final class LibvirtNames {
    static final String PREFIX = "vmbox-";

    private LibvirtNames() {
    }

    static String domain(String instance) {
        return PREFIX + instance;
    }

    static boolean isVmboxDomain(String domain) {
        return domain.startsWith(PREFIX) && domain.length() > PREFIX.length();
    }

    static String instance(String domain) {
        return domain.substring(PREFIX.length());
    }
}
