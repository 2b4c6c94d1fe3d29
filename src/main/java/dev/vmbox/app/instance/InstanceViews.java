package dev.vmbox.app.instance;

import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelStatus;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code vmbox list} and {@code status}: each instance's live state, always asked of its provider, and beside
 * it the phase its record is in. The record's phase never stands in for the state: a create that failed and was
 * kept shows the VM's real state (e.g. RUNNING) with phase "failed" and the reason.
 */
public record InstanceViews(InstanceLookup instances, ApiTunnel tunnel) {
    /**
     * Every instance; a provider that cannot be asked makes its rows UNKNOWN, an unreadable record BROKEN. The
     * providers are asked once per connection ({@link LiveStates}), not once per instance.
     */
    public List<InstanceView> list() {
        List<InstanceStore.Entry> entries = instances.store().list();
        Map<String, LiveStates.Live> live = LiveStates.of(entries.stream().filter(InstanceStore.Entry::readable)
                .map(InstanceStore.Entry::record).toList(), instances.providers());
        List<InstanceView> out = new ArrayList<>();
        for (InstanceStore.Entry e : entries) {
            out.add(e.readable() ? view(instances.of(e.record()), live.get(e.name()), false)
                    : InstanceView.unreadable(e.name(), e.error()));
        }
        return out;
    }

    /** One instance: its own provider is asked of it alone. */
    public InstanceView status(String name) {
        Instance instance = instances.get(name);
        return view(instance, LiveStates.Live.of(instance), true);
    }

    private InstanceView view(Instance instance, LiveStates.Live answer, boolean withTunnel) {
        InstanceRecord r = instance.record();
        String state;
        String live = null;
        VmStatus vm = answer.vm();
        if (vm != null) {
            state = vm.state().name();
            if (vm.state() == VmState.NOT_CREATED && r.phase() == InstanceRecord.Phase.READY) {
                state = "BROKEN";
                live = "the " + r.provider() + " VM is gone (removed outside vmbox?); clean up with: vmbox delete " + r.name();
            } else if (!vm.messages().isEmpty()) {
                live = String.join("; ", vm.messages());
            }
        } else {
            state = "UNKNOWN";
            live = r.provider() + " could not be asked: " + answer.failure().getMessage();
        }
        String tunnelState = null;
        String autostart = null;
        if (withTunnel || vm != null && vm.state() == VmState.RUNNING) {
            TunnelStatus t = tunnel.status(instance.files().tunnelDir());
            tunnelState = t.up() ? "up" : t.running() ? "connecting" : "down";
            autostart = withTunnel ? t.autostart() ? "on" : "off" : null;
        }
        InstanceSettings s = instance.settings();
        String port = s.stringOr(InstanceSettings.API_PORT, null);
        String api = port == null ? null : "http://" + ApiAddress.hostForUrl(instance.apiBind()) + ":" + port;
        if (withTunnel && tunnel.control().wish(instance.files().tunnelDir()).socket()) {
            api = "unix:" + instance.files().tunnel().apiSocket();
        }
        String detail = Stream.of(phaseNote(r), live).filter(Objects::nonNull).collect(Collectors.joining("; "));
        return new InstanceView(r.name(), state, phase(r), r.provider(), s.stringOr(InstanceSettings.RUNTIME, null),
                s.stringOr(InstanceSettings.MODEL_NAME, s.stringOr(InstanceSettings.MODEL, null)), api, tunnelState, autostart,
                s.stringOr(InstanceSettings.EGRESS, null), s.stringOr(InstanceSettings.CPUS, null),
                s.stringOr(InstanceSettings.MEMORY, null), s.stringOr(InstanceSettings.DISK, null),
                detail.isEmpty() ? null : detail, s.stringOr(InstanceSettings.IMAGE, null),
                s.stringOr(InstanceSettings.IMAGE_MANIFEST_SHA256, null), s.stringOr(InstanceSettings.MODEL_SHA256, null));
    }

    /** The record's phase in the words list shows: ready, creating, failed. */
    static String phase(InstanceRecord r) {
        return switch (r.phase()) {
            case READY -> "ready";
            case CREATING -> "creating";
            case BROKEN -> "failed";
        };
    }

    private static String phaseNote(InstanceRecord r) {
        return switch (r.phase()) {
            case READY -> null;
            case CREATING -> "create has not finished (or was interrupted)";
            case BROKEN -> "create failed" + (r.failure() == null ? "" : " at " + r.failure());
        };
    }
}
