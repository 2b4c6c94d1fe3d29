package dev.vmbox.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A separate JVM that increments a counter in one record under the instance lock (for the store test). */
public final class LockHammer {
    private LockHammer() {
    }

    public static void main(String[] args) {
        InstanceStore store = new InstanceStore(new VmboxHome(Path.of(args[0])));
        int rounds = Integer.parseInt(args[2]);
        for (int i = 0; i < rounds; i++) {
            increment(store, args[1]);
        }
    }

    static void increment(InstanceStore store, String name) {
        try (InstanceLock ignored = store.lock(name, Duration.ofSeconds(60))) {
            InstanceRecord r = store.read(name);
            int n = Integer.parseInt(String.valueOf(r.settings().getOrDefault("counter", "0")));
            Map<String, Object> s = new LinkedHashMap<>(r.settings());
            s.put("counter", Integer.toString(n + 1));
            store.write(r.withSettings(s));
        }
    }
}
