package dev.vmbox.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Whether this Linux host can run hardware-accelerated VMs (KVM), read under an injectable root.
 *
 * <p>{@code /dev/kvm} alone is not proof: a host without VT-x/AMD-V can still expose it through PVM
 * ({@code kvm_pvm}), which boots only PVM-enabled guest kernels, not stock cloud images. KVM counts
 * as usable only with the vmx/svm CPU flag or the kvm_intel/kvm_amd module, and /dev/kvm openable.
 */
public record Virtualization(boolean devKvmPresent, boolean devKvmAccessible, boolean cpuFlag, boolean vendorModule,
                             boolean pvmOnly) {

    private static final Pattern FLAGS = Pattern.compile("(?m)^flags\\s*:.*\\b(vmx|svm)\\b");

    public static Virtualization probeLinux(Path root) {
        Path kvm = root.resolve("dev/kvm");
        boolean present = Files.exists(kvm);
        boolean accessible = present && Files.isReadable(kvm) && Files.isWritable(kvm);
        boolean flag = false;
        try {
            Path cpuinfo = root.resolve("proc/cpuinfo");
            if (Files.isRegularFile(cpuinfo) && Files.size(cpuinfo) < 16L * 1024 * 1024) {
                flag = FLAGS.matcher(Files.readString(cpuinfo)).find();
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            flag = false;
        }
        Path modules = root.resolve("sys/module");
        boolean vendor = Files.isDirectory(modules.resolve("kvm_intel")) || Files.isDirectory(modules.resolve("kvm_amd"));
        boolean pvm = Files.isDirectory(modules.resolve("kvm_pvm")) && !vendor && !flag;
        return new Virtualization(present, accessible, flag, vendor, pvm);
    }

    /** True when a stock guest kernel can run under KVM here. */
    public boolean kvmUsable() {
        return devKvmAccessible && (cpuFlag || vendorModule) && !pvmOnly;
    }

    /** One line for people: what the host offers and what it means. */
    public String describe() {
        if (kvmUsable()) {
            return "KVM available (/dev/kvm, " + (cpuFlag ? "CPU virtualization extensions" : "kvm vendor module") + ")";
        }
        if (pvmOnly && devKvmPresent) {
            return "/dev/kvm is PVM (kvm_pvm, no VT-x/AMD-V): stock guest kernels cannot use it; VMs run in software "
                    + "emulation (TCG), about 10-50x slower";
        }
        if (devKvmPresent && !devKvmAccessible) {
            return "/dev/kvm exists but this user cannot open it: VMs would run in software emulation";
        }
        if (devKvmPresent) {
            return "/dev/kvm exists but the CPU shows no vmx/svm flag and no kvm_intel/kvm_amd module: "
                    + "VMs run in software emulation (TCG), about 10-50x slower";
        }
        return "no /dev/kvm: VMs run in software emulation (TCG), about 10-50x slower; fine for tests, "
                + "too slow for real models";
    }

    public String hint() {
        if (kvmUsable()) {
            return null;
        }
        if (devKvmPresent && !devKvmAccessible) {
            return "add yourself to the kvm group (sudo usermod -aG kvm $USER) and log in again";
        }
        return "enable VT-x/AMD-V in the firmware (or nested virtualization on a cloud VM) and load kvm_intel or "
                + "kvm_amd";
    }
}
