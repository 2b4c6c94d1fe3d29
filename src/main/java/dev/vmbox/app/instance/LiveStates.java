package dev.vmbox.app.instance;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.store.InstanceRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live state of many instances, asked of their providers once per connection: the records are grouped by where
 * their VMs are (the provider and what the record keeps to find it, e.g. a libvirt URI), each group is one
 * {@link Provider#inspectAll} (one {@code virsh} process, one {@code limactl list}, one {@code multipass list}),
 * and the groups are asked in parallel, at most {@link #PARALLEL} at a time, so that a slow remote host delays
 * only its own rows' answer, never the count of questions.
 */
final class LiveStates {
    /** Connections asked at the same time: enough for a few GPU hosts, few enough not to flood ssh or a daemon. */
    static final int PARALLEL = 4;

    /** What the provider said of one instance, or why it could not be asked (then {@code vm} is null). */
    record Live(VmStatus vm, VmboxException failure) {
        /** {@code instance}'s state from its own provider alone (status NAME). */
        static Live of(Instance instance) {
            try {
                return new Live(instance.provider().inspect(instance.name()), null);
            } catch (VmboxException e) {
                return new Live(null, e);
            }
        }
    }

    /** Where the VMs of a group are: a provider, configured by what its records keep (e.g. {@code uri}). */
    private record Where(String provider, Map<String, String> ref) {
    }

    private LiveStates() {
    }

    /** Each record's live state, by instance name. */
    static Map<String, Live> of(List<InstanceRecord> records, ProviderResolver providers) {
        Map<Where, List<String>> groups = new java.util.LinkedHashMap<>();
        for (InstanceRecord r : records) {
            groups.computeIfAbsent(new Where(r.provider(), r.providerRef()), w -> new ArrayList<>()).add(r.name());
        }
        Map<String, Live> out = new ConcurrentHashMap<>();
        if (groups.size() <= 1) {
            groups.forEach((where, names) -> ask(providers, where, names, out));
            return out;
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL, groups.size()), task -> {
            Thread t = new Thread(task, "vmbox-list-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> asked = new ArrayList<>();
            groups.forEach((where, names) -> asked.add(pool.submit(() -> ask(providers, where, names, out))));
            for (Future<?> f : asked) {
                f.get();
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while asking the providers", null, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** One query for the group; a provider that cannot be asked makes each of its rows say why. */
    private static void ask(ProviderResolver providers, Where where, List<String> names, Map<String, Live> out) {
        Map<String, VmStatus> answers;
        try {
            Provider p = providers.provider(where.provider(), where.ref());
            answers = p.inspectAll(names);
        } catch (VmboxException e) {
            names.forEach(n -> out.put(n, new Live(null, e)));
            return;
        }
        for (String n : names) {
            VmStatus vm = answers.get(n);
            out.put(n, vm != null ? new Live(vm, null) : new Live(null, new VmboxException(ExitCode.INTERNAL,
                    "the " + where.provider() + " provider gave no answer for " + n, null)));
        }
    }
}
