package dev.vmbox.app.doctor;

import dev.vmbox.provider.Availability;
import java.util.List;

/** Everything {@code vmbox doctor} found; {@link #usableProviders()} decides its exit code. */
public record DoctorReport(List<Check> checks, List<Availability> providers) {
    public List<String> usableProviders() {
        return providers.stream().filter(Availability::usable).map(Availability::providerId).toList();
    }
}
