package dev.vmbox.app.create;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.plan.PlanRequest;
import dev.vmbox.app.plan.Planner;
import dev.vmbox.app.tunnel.TunnelAgent;
import dev.vmbox.cloudinit.GpuKind;
import dev.vmbox.exec.Command;
import dev.vmbox.host.PciHost;
import dev.vmbox.image.ImageBuilder;
import dev.vmbox.image.RuntimeImage;
import dev.vmbox.image.RuntimeImageRecipe;
import dev.vmbox.image.RuntimeImages;
import dev.vmbox.model.sizing.Plan;
import dev.vmbox.provider.HostCapacity;
import dev.vmbox.provider.Provider;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.spec.InstanceName;
import dev.vmbox.spec.VmSpec;
import dev.vmbox.store.InstanceStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns what the user asked ({@link PlanRequest} and {@link Options}) into a {@link CreateRequest}: the VM sized for
 * the model where it will run (this machine, or a remote libvirt host whose capacity and GPUs are read), the guest's
 * GPU driver from the vendor of the GPU it gets, the API address.
 */
public final class CreateRequests {
    /**
     * What the user chose beside the model, checked: the instance name and the API address follow their one rule.
     *
     * @param name          the instance name
     * @param image         the base image, or null for the provider's default
     * @param egress        what the guest may reach
     * @param api           where the API is published on the host
     * @param keepOnFailure keep what was made when a step fails
     * @param timeout       the whole create's deadline
     * @param runtimeBundle the user supplies the runtime's release ({@code --runtime-bundle}): it is installed at
     *                      create, so no runtime image is picked for it
     */
    public record Options(InstanceName name, String image, EgressPolicy egress, ApiAddress api, boolean keepOnFailure,
                          Duration timeout, boolean runtimeBundle) {
        public Options {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(egress, "egress");
            Objects.requireNonNull(api, "api");
            Objects.requireNonNull(timeout, "timeout");
        }

        /**
         * @param port    the API's host port, or null for the runtime's usual port
         * @param bind    the API's host address (an IP literal)
         * @param exposed the user confirmed a non-loopback {@code bind} ({@code --expose})
         */
        public static Options of(String name, RuntimeKind runtime, String image, EgressPolicy egress, Integer port, String bind,
                                 boolean exposed, boolean keepOnFailure, Duration timeout) {
            return new Options(InstanceName.of(name), image, egress,
                    new ApiAddress(bind, port != null ? port : runtime.defaultPort(), exposed), keepOnFailure, timeout, false);
        }

        /** The same, with the runtime's release supplied by the user ({@code --runtime-bundle}). */
        public Options withRuntimeBundle(boolean supplied) {
            return new Options(name, image, egress, api, keepOnFailure, timeout, supplied);
        }
    }

    /**
     * A create, decided.
     *
     * @param plan       the sizing and its reasoning
     * @param request    what the create runs with
     * @param hostReads  the commands that read the remote host, when a dry run did not run them (empty otherwise)
     * @param notes      lines for the user (which image and why)
     */
    public record Decided(Plan plan, CreateRequest request, List<Command> hostReads, List<String> notes) {
        public Decided {
            notes = List.copyOf(notes);
        }
    }

    private final Planner planner;
    private final PciHost local;
    private final RuntimeImages runtimeImages;

    /**
     * What the create's check step refuses without asking a provider: an instance of that name already (IN_USE),
     * the API's port held by another program (IN_USE). Run before a provider is chosen, by a dry run as by a create,
     * so neither runs anything for a request that cannot go through.
     */
    public static void requireFree(InstanceStore store, Options options) {
        requireNameFree(store, options.name().value());
        ApiAddress api = options.api();
        TunnelAgent.checkPortFree(api.inetAddress(), api.literal(), api.port());
    }

    /** IN_USE when VMBOX_HOME holds an instance named {@code name} (the name is taken). */
    static void requireNameFree(InstanceStore store, String name) {
        if (store.exists(name)) {
            throw new VmboxException(ExitCode.IN_USE, "an instance named '" + name + "' already exists",
                    "pick another name, or remove it first with: vmbox delete " + name);
        }
    }

    /**
     * @param local         this machine's PCI devices (for the GPU driver of a VM that runs here)
     * @param runtimeImages the runtime images in the image cache
     */
    public CreateRequests(Planner planner, PciHost local, RuntimeImages runtimeImages) {
        this.planner = planner;
        this.local = local;
        this.runtimeImages = runtimeImages;
    }

    /** For a create: a remote host's capacity and (for a GPU) devices are read now. */
    public Decided decide(PlanRequest model, Options options, CreateRequest.Chosen provider) {
        return decide(model, options, provider, true);
    }

    /**
     * For a dry run: nothing runs on the provider, so a remote host is not read; the VM is sized for what the model
     * needs and the reads the run would do are returned to print.
     */
    public Decided decideWithoutContact(PlanRequest model, Options options, CreateRequest.Chosen provider) {
        return decide(model, options, provider, false);
    }

    private Decided decide(PlanRequest model, Options options, CreateRequest.Chosen chosen, boolean contact) {
        Provider provider = chosen.provider();
        List<Command> reads = provider.remoteCapacityCommands();
        Optional<HostCapacity> remote = contact ? provider.remoteCapacity()
                : reads.isEmpty() ? Optional.empty() : Optional.of(HostCapacity.unread());
        Plan plan = planner.plan(model, remote);
        boolean read = remote.map(HostCapacity::read).orElse(true);
        GpuRequest gpu = plan.gpu() != null ? GpuRequest.parse(plan.gpu().pciAddress()) : read ? GpuRequest.NONE : model.gpu();
        List<String> notes = new ArrayList<>();
        RuntimeKind runtime = model.runtime();
        RuntimeImage runtimeImage = runtimeImage(provider, runtime, options, notes);
        VmSpec spec = new VmSpec(options.name().value(), plan.cpus(), new ByteSize(plan.memoryBytes()),
                new ByteSize(plan.diskBytes()), runtimeImage != null ? runtimeImage.name() : options.image(),
                options.egress(), gpu);
        GpuKind driver = plan.gpu() == null ? GpuKind.NONE : GuestGpu.driverFor(remote.flatMap(HostCapacity::pciHost)
                .orElse(local), plan.gpu().pciAddress());
        CreateRequest request = new CreateRequest(spec, chosen, new CreateRequest.GuestRuntime(runtime, runtime.defaultPort(),
                plan.runtimeMemoryMaxBytes(), plan.contextLength()), options.api(), model.model().canonical(), driver,
                CreateRequest.DEFAULT_ADMIN, options.keepOnFailure(), options.timeout(), runtimeImage);
        return new Decided(plan, request, read ? List.of() : reads, notes);
    }

    /**
     * The runtime image the VM boots, or null. Only a provider that boots vmbox's images has them. Named with
     * {@code --image}, a runtime image must fit (the runtime asked for, the guest's architecture) and excludes a
     * runtime bundle; not named, the cache's image for the runtime is taken, unless the user brings the runtime
     * ({@code --runtime-bundle}). Without one, the runtime is installed at create as before, with a note saying how
     * to build the image.
     */
    private RuntimeImage runtimeImage(Provider provider, RuntimeKind runtime, Options options, List<String> notes) {
        if (!provider.bootsRuntimeImages()) {
            return null;
        }
        if (options.image() != null) {
            RuntimeImage named = runtimeImages.get(options.image()).orElse(null);
            if (named != null) {
                RuntimeImages.check(named, runtime);
                if (options.runtimeBundle()) {
                    throw VmboxException.badInput("the image " + named.name() + " has " + runtime.cliName()
                            + " built in; --runtime-bundle is for an image without it", "drop --runtime-bundle, or add "
                            + "--image " + VmSpec.DEFAULT_IMAGE);
                }
                notes.add("image " + named.name() + ": " + named.describe() + " (manifest sha256 "
                        + named.manifestSha256() + ")");
            }
            return named;
        }
        if (options.runtimeBundle()) {
            return null;
        }
        RuntimeImage found = runtimeImages.forRuntime(runtime).orElse(null);
        if (found != null && !RuntimeImages.current(found)) {
            notes.add("the " + runtime.cliName() + " runtime image " + found.name() + " was built by an older vmbox recipe: "
                    + "the runtime is installed at create on " + VmSpec.DEFAULT_IMAGE + ". Rebuild it and creates only "
                    + "upload the model: " + ImageBuilder.BUILD_COMMAND + " --runtime " + runtime.cliName() + " --rebuild");
            return null;
        }
        if (found != null) {
            notes.add("image " + found.name() + ": " + found.describe() + " baked in; only the model travels (manifest "
                    + "sha256 " + found.manifestSha256() + ")");
        } else if (RuntimeImageRecipe.available(runtime)) {
            notes.add("no " + runtime.cliName() + " runtime image: the runtime is installed at create on "
                    + VmSpec.DEFAULT_IMAGE + ". Build one once and creates only upload the model: "
                    + ImageBuilder.BUILD_COMMAND + " --runtime " + runtime.cliName());
        }
        return found;
    }
}
