package dev.vmbox.security;

import dev.vmbox.store.FileNames;
import dev.vmbox.store.SecureFiles;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.spec.Names;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Makes the fresh key pairs of one instance with the host's {@code ssh-keygen}: an ed25519 client key
 * (vmbox's login) and an ed25519 host key for the guest. Keys are never reused between instances and
 * never overwritten: generating into a folder that already holds them is refused.
 *
 * <p>Files in {@code dir} (made 0700): {@code id_ed25519}, {@code id_ed25519.pub} (client),
 * {@code ssh_host_ed25519_key}, {@code ssh_host_ed25519_key.pub} (guest host key), names from
 * {@link FileNames}. Every one is 0600, like every file in VMBOX_HOME. They carry no passphrase: vmbox must use them unattended; the folder's mode protects them.
 */
public final class SshKeys {
    public static final String CLIENT_KEY = FileNames.CLIENT_KEY;
    public static final String HOST_KEY = FileNames.HOST_KEY;
    static final Duration KEYGEN_TIMEOUT = Duration.ofSeconds(30);

    private SshKeys() {
    }

    /**
     * Generates both key pairs for {@code instanceName} into {@code dir}.
     *
     * @throws VmboxException BAD_INPUT for a bad instance name or when keys already exist in {@code dir},
     *                        UNAVAILABLE when ssh-keygen is missing, FAILED or TIMEOUT when it fails
     */
    public static KeyMaterial generate(Path dir, String instanceName, CommandRunner runner) {
        Names.instanceName(instanceName);
        SecureFiles.privateDir(dir);
        Path client = dir.resolve(CLIENT_KEY);
        Path host = dir.resolve(HOST_KEY);
        for (Path p : new Path[] {client, host, pub(client), pub(host)}) {
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw VmboxException.badInput("key file " + p + " already exists",
                        "vmbox makes fresh keys per instance: delete the old instance or pick another name");
            }
        }
        keygen(runner, client, "vmbox@" + instanceName);
        keygen(runner, host, "vmbox-host@" + instanceName);
        for (Path p : new Path[] {client, host, pub(client), pub(host)}) {
            SecureFiles.restrict(p);
        }
        String clientPub = read(pub(client));
        HostKeyPair hostKey = new HostKeyPair(read(host), read(pub(host)));
        return new KeyMaterial(client, clientPub, host, hostKey);
    }

    private static void keygen(CommandRunner runner, Path file, String comment) {
        // -N '' : no passphrase (vmbox runs unattended; the 0700 folder and 0600 file protect the key).
        runner.run(Command.of(KEYGEN_TIMEOUT, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment,
                "-f", file.toString()));
        if (!Files.isRegularFile(file) || !Files.isRegularFile(pub(file))) {
            throw new VmboxException(ExitCode.FAILED, "ssh-keygen did not write " + file,
                    "run 'ssh-keygen -t ed25519 -f /tmp/test' by hand to see what goes wrong", null);
        }
    }

    private static Path pub(Path privateKey) {
        return privateKey.resolveSibling(privateKey.getFileName() + FileNames.PUBLIC_KEY_SUFFIX);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.US_ASCII).strip() + (p.toString().endsWith(".pub") ? "" : "\n");
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot read " + p + ": " + e.getMessage(), null, e);
        }
    }
}
