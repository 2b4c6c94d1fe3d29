package dev.vmbox.cloudinit;

import dev.vmbox.store.SecureFiles;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.ExecutableNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Writes a NoCloud seed image: an ISO 9660 file system labelled {@code cidata} holding
 * {@code user-data} and {@code meta-data} (and {@code network-config} if given). It uses the first tool
 * the host has, in this order: {@code cloud-localds} (cloud-image-utils), {@code xorriso},
 * {@code genisoimage}, and on macOS {@code hdiutil}. Attach the image to the VM as a disk (the Debian
 * cloud kernel has no SATA CD-ROM driver: use virtio).
 *
 * <p>The seed holds the guest's SSH host private key, so the image is written 0600 and the staging
 * files live in a 0700 folder next to it, deleted afterwards. (libvirt's default dynamic ownership hands
 * the image to QEMU's user when the VM starts.)
 */
public final class SeedImageBuilder {
    /** The file system label NoCloud looks for. */
    public static final String VOLUME_LABEL = "cidata";

    private final CommandRunner runner;
    private final boolean macOs;

    public SeedImageBuilder(CommandRunner runner) {
        this(runner, System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac"));
    }

    SeedImageBuilder(CommandRunner runner, boolean macOs) {
        this.runner = runner;
        this.macOs = macOs;
    }

    /** The tools tried, in order, on this host. */
    public List<String> tools() {
        List<String> t = new ArrayList<>(List.of("cloud-localds", "xorriso", "genisoimage"));
        if (macOs) {
            t.add("hdiutil");
        }
        return List.copyOf(t);
    }

    /** Builds the seed image at {@code outputImage}; returns the tool that made it. */
    public String build(Path outputImage, String userData, String metaData, Duration timeout) {
        return build(outputImage, userData, metaData, null, timeout);
    }

    /**
     * Builds the seed image with an optional {@code network-config} (null for none).
     *
     * @throws VmboxException UNAVAILABLE when no tool is installed (naming the packages), FAILED or
     *                        TIMEOUT when the tool fails
     */
    public String build(Path outputImage, String userData, String metaData, String networkConfig, Duration timeout) {
        if (!userData.startsWith("#cloud-config\n")) {
            throw new VmboxException(ExitCode.INTERNAL, "user-data does not start with #cloud-config",
                    "render it with CloudInitRenderer", null);
        }
        Path out = outputImage.toAbsolutePath();
        Path parent = out.getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot create " + parent + ": " + e.getMessage(),
                    "check permissions and free space", e);
        }
        Path staging = SecureFiles.privateDir(parent.resolve(".seed-" + out.getFileName() + "-"
                + Long.toHexString(System.nanoTime())));
        try {
            Path files = SecureFiles.privateDir(staging.resolve("files"));
            List<String> names = new ArrayList<>(List.of("user-data", "meta-data"));
            SecureFiles.writeAtomically(files.resolve("user-data"), userData.getBytes(StandardCharsets.UTF_8));
            SecureFiles.writeAtomically(files.resolve("meta-data"), metaData.getBytes(StandardCharsets.UTF_8));
            if (networkConfig != null) {
                SecureFiles.writeAtomically(files.resolve("network-config"), networkConfig.getBytes(StandardCharsets.UTF_8));
                names.add("network-config");
            }
            Path image = staging.resolve("seed.iso");
            List<String> missing = new ArrayList<>();
            for (String tool : tools()) {
                Command cmd = command(tool, image, files, names, timeout);
                try {
                    runner.run(cmd);
                } catch (ExecutableNotFoundException e) {
                    missing.add(tool);
                    continue;
                } catch (CommandFailedException e) {
                    // cloud-localds is a script around genisoimage: without it, try the next tool.
                    if (tool.equals("cloud-localds") && e.result().stderr().contains("missing")) {
                        missing.add(tool + " (without genisoimage)");
                        continue;
                    }
                    throw e;
                }
                if (runner.dryRun()) {
                    return tool;
                }
                if (!Files.isRegularFile(image)) {
                    throw new VmboxException(ExitCode.FAILED, tool + " reported success but wrote no seed image",
                            "run with --debug to see the command", null);
                }
                SecureFiles.restrict(image);
                Files.move(image, out, StandardCopyOption.REPLACE_EXISTING);
                return tool;
            }
            throw new VmboxException(ExitCode.UNAVAILABLE,
                    "cannot make the cloud-init seed image: none of " + String.join(", ", missing) + " is installed",
                    macOs ? "install xorriso: brew install xorriso"
                            : "install one: sudo apt-get install cloud-image-utils (or xorriso, or genisoimage);"
                            + " sudo dnf install cloud-utils (or xorriso, genisoimage)");
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot write the seed image " + out + ": " + e.getMessage(),
                    "check permissions and free space", e);
        } finally {
            deleteTree(staging);
        }
    }

    private Command command(String tool, Path image, Path files, List<String> names, Duration timeout) {
        List<String> argv = new ArrayList<>();
        switch (tool) {
            case "cloud-localds" -> {
                argv.addAll(List.of("cloud-localds", "--filesystem=iso9660", "--disk-format=raw"));
                if (names.contains("network-config")) {
                    argv.add("--network-config=" + files.resolve("network-config"));
                }
                argv.addAll(List.of(image.toString(), files.resolve("user-data").toString(),
                        files.resolve("meta-data").toString()));
            }
            case "xorriso" -> {
                argv.addAll(List.of("xorriso", "-as", "mkisofs", "-quiet", "-output", image.toString(),
                        "-volid", VOLUME_LABEL, "-joliet", "-rock"));
                argv.addAll(names);
            }
            case "genisoimage" -> {
                argv.addAll(List.of("genisoimage", "-quiet", "-output", image.toString(), "-volid", VOLUME_LABEL,
                        "-joliet", "-rock"));
                argv.addAll(names);
            }
            case "hdiutil" -> argv.addAll(List.of("hdiutil", "makehybrid", "-quiet", "-o", image.toString(),
                    "-iso", "-joliet", "-default-volume-name", VOLUME_LABEL, files.toString()));
            default -> throw new IllegalStateException(tool);
        }
        return Command.of(timeout, argv).withWorkDir(files);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort: a 0700 folder of the user's own
        }
    }
}
