package dev.vmbox.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The API ports that creates under way have claimed, for every vmbox process of this VMBOX_HOME. A create checks that
 * its port is free and claims it under one lock ({@value FileNames#PORT_CLAIMS_DIR}/.lock), and keeps the claim until
 * it ends, by when its tunnel holds the port itself. So two creates started together never both pass the check for
 * one port (the second is told which create has it: IN_USE), and neither trips over the other's test bind. A claim of
 * a process that is gone (killed) is taken over.
 */
public final class PortClaims {
    static final Duration LOCK_WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    public PortClaims(VmboxHome home) {
        this.dir = home.root().resolve(FileNames.PORT_CLAIMS_DIR);
    }

    /** One claim: the instance whose create holds it, and that create's process (pid and start time). */
    record Claim(@JsonProperty("instance") String instance, @JsonProperty("pid") long pid,
                 @JsonProperty("started") String started) {
        static Claim ofThisProcess(String instance) {
            ProcessHandle me = ProcessHandle.current();
            return new Claim(instance, me.pid(), me.info().startInstant().map(Instant::toString).orElse(""));
        }

        /** Whether the process that made the claim still runs (the same process: same pid and start time). */
        boolean alive() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(h -> started.isEmpty() || h.info().startInstant().map(Instant::toString).orElse("").equals(started))
                    .isPresent();
        }
    }

    /**
     * Claims {@code address:port} for the create of {@code instance}, after {@code checkFree} (which throws when another
     * program has the port) passed under the same lock. Refused (IN_USE) while another create under way holds it.
     */
    public void claim(String address, int port, String instance, Runnable checkFree) {
        SecureFiles.privateDir(dir);
        try (InstanceLock ignored = InstanceLock.acquire(dir.resolve(FileNames.LOCK), "the API port claims", LOCK_WAIT)) {
            Path file = dir.resolve(fileName(address, port));
            Optional<Claim> held = read(file).filter(c -> !c.instance().equals(instance)).filter(Claim::alive);
            if (held.isPresent()) {
                throw new VmboxException(ExitCode.IN_USE, "port " + port + " on " + address + " is taken by the create of '"
                        + held.get().instance() + "' (vmbox process " + held.get().pid() + "), still under way",
                        "pick another port with --port, or wait for that create to end");
            }
            checkFree.run();
            SecureFiles.writeAtomically(file, JSON.writeValueAsBytes(Claim.ofThisProcess(instance)));
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot claim port " + port + " in " + dir + ": " + e.getMessage(),
                    "check VMBOX_HOME's permissions", e);
        }
    }

    /** Gives up every claim of {@code instance}'s create (it ended: its tunnel holds the port, or it failed). */
    public void release(String instance) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (InstanceLock ignored = InstanceLock.acquire(dir.resolve(FileNames.LOCK), "the API port claims", LOCK_WAIT);
             DirectoryStream<Path> claims = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : claims) {
                if (read(f).filter(c -> c.instance().equals(instance)).isPresent()) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot release the port claims of '" + instance + "' in " + dir
                    + ": " + e.getMessage(), "remove " + dir + "/*.json by hand if no create is under way", e);
        }
    }

    private static String fileName(String address, int port) {
        return address.replaceAll("[^0-9A-Za-z.]", "_") + "_" + port + ".json";
    }

    private static Optional<Claim> read(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(JSON.readValue(Files.readString(file, StandardCharsets.UTF_8),
                    Claim.class)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // unreadable: nobody's claim
        }
    }
}
