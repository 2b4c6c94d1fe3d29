package dev.vmbox.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a provider makes and boots one VM: the ordered steps, the exact commands each runs and what undoes each,
 * fixed when the plan is made and before anything runs. {@link CreatePlanRunner} either runs it (logging every
 * command) or describes it ({@code vmbox create --dry-run}); both read the same objects, so what a dry run prints
 * is what the run runs. Facts decided while planning (where a base image is staged, which PCI devices go to the VM)
 * are its {@link #notes}.
 *
 * @param provider the provider's id
 * @param notes    facts decided while planning, one line each
 * @param steps    the steps, in order
 */
public record CreatePlan(String provider, List<String> notes, List<PlanStep> steps) {
    public CreatePlan {
        Objects.requireNonNull(provider, "provider");
        notes = List.copyOf(notes);
        steps = List.copyOf(steps);
    }

    /** Every command the plan may run (undo commands excepted), in order. */
    public List<PlannedCommand> commands() {
        List<PlannedCommand> all = new ArrayList<>();
        steps.forEach(s -> all.addAll(s.commands()));
        return all;
    }
}
