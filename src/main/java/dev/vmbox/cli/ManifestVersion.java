package dev.vmbox.cli;

import picocli.CommandLine;

/** {@code vmbox --version}: the version from the jar manifest (set by Maven from the pom). */
public final class ManifestVersion implements CommandLine.IVersionProvider {
    public static String version() {
        String v = ManifestVersion.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "vmbox " + version(),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")
        };
    }
}
