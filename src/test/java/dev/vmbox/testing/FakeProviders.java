package dev.vmbox.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fake {@code limactl} and {@code multipass} programs (src/test/resources/fakes) installed in a
 * folder of their own, with their state beside them (bin/lima-state, bin/multipass-state), run through
 * the real {@link ZtExecCommandRunner}. Faults and settings (e.g. the SSH port the fake Lima reports,
 * the IPv4 the fake Multipass reports) go in each state's faults.json; see the scripts' headers.
 */
public final class FakeProviders {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path bin;

    private FakeProviders(Path bin) {
        this.bin = bin;
    }

    public static FakeProviders install(Path dir) {
        try {
            Path bin = Files.createDirectories(dir.resolve("bin"));
            for (String name : List.of("limactl", "multipass")) {
                try (InputStream in = FakeProviders.class.getResourceAsStream("/fakes/" + name)) {
                    if (in == null) {
                        throw new IllegalStateException("missing test resource /fakes/" + name);
                    }
                    Path p = bin.resolve(name);
                    Files.write(p, in.readAllBytes());
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            Files.createDirectories(bin.resolve("lima-state"));
            Files.createDirectories(bin.resolve("multipass-state"));
            return new FakeProviders(bin);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path bin() {
        return bin;
    }

    /** The fakes first, then the system's folders (python3 and sh live there). */
    public Executables executables() {
        return new Executables(bin + ":/usr/bin:/bin");
    }

    /** Only the fakes' folder: every other program counts as not installed. */
    public Executables onlyFakes() {
        return new Executables(bin.toString());
    }

    public CommandRunner runner() {
        return new ZtExecCommandRunner(EventLog.NONE, executables());
    }

    public Path limaState() {
        return bin.resolve("lima-state");
    }

    public Path multipassState() {
        return bin.resolve("multipass-state");
    }

    public void limaFaults(Map<String, ?> faults) {
        write(limaState().resolve("faults.json"), faults);
    }

    public void multipassFaults(Map<String, ?> faults) {
        write(multipassState().resolve("faults.json"), faults);
    }

    public List<List<String>> limaCalls() {
        return calls(limaState());
    }

    public List<List<String>> multipassCalls() {
        return calls(multipassState());
    }

    /** The lima.yaml the fake received on stdin for Lima instance {@code limaName}. */
    public String limaYamlOf(String limaName) {
        return read(limaState().resolve("instances").resolve(limaName + ".yaml"));
    }

    /** The user-data the fake Multipass received on stdin for {@code mpName}. */
    public String multipassUserDataOf(String mpName) {
        return read(multipassState().resolve("instances").resolve(mpName + ".user-data"));
    }

    /** Names of the instances each fake holds now. */
    public List<String> limaInstances() {
        return instances(limaState());
    }

    public List<String> multipassInstances() {
        return instances(multipassState());
    }

    private static List<String> instances(Path state) {
        try (var s = Files.list(state.resolve("instances"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<List<String>> calls(Path state) {
        Path log = state.resolve("calls.log");
        List<List<String>> out = new ArrayList<>();
        if (!Files.exists(log)) {
            return out;
        }
        for (String line : read(log).split("\n")) {
            if (!line.isBlank()) {
                try {
                    out.add(JSON.readValue(line, new TypeReference<List<String>>() { }));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }

    private static void write(Path file, Map<String, ?> value) {
        try {
            Files.writeString(file, JSON.writeValueAsString(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
