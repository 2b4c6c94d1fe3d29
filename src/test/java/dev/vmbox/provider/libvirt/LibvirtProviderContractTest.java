package dev.vmbox.provider.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.Availability;
import dev.vmbox.provider.CreatePlanRunner;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.provider.StopMode;
import dev.vmbox.provider.VmState;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.spec.VmSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The libvirt provider on a local URI against fake {@code virsh} and {@code qemu-img} scripts (src/test/resources/fakes/
 * libvirt) that keep state in a temp folder and answer like libvirt 9.0, errors included, run through the
 * REAL {@link ZtExecCommandRunner} with a PATH that puts the fakes first. {@code cloud-localds} is real.
 */
class LibvirtProviderContractTest extends FakeLibvirtHost {
    @Test
    void createMakesOverlaySeedAndSealedDomainThenRuns() throws IOException {
        LibvirtProvider p = provider();
        create(p, spec("llm"), seedDir, Duration.ofMinutes(1));

        assertEquals(VmState.RUNNING, p.inspect("llm").state());
        Path dir = storage.resolve("llm");
        String overlay = Files.readString(dir.resolve("disk.qcow2"));
        // The image folder (under a 0700 temp dir) is unreachable for libvirt-qemu: the base is staged
        // read-only under storage/_base and the overlay is backed by that copy.
        Path staged;
        try (var s = Files.list(storage.resolve("_base"))) {
            staged = s.findFirst().orElseThrow().resolve("disk.qcow2");
        }
        assertTrue(overlay.contains("backing=" + staged), overlay);
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(staged)));
        assertEquals(Files.readString(imageDir.resolve("disk.qcow2")), Files.readString(staged));
        assertTrue(overlay.contains("backing-format=qcow2"), overlay);
        assertTrue(overlay.contains("VIRTUAL_SIZE=" + ByteSize.ofGiB(10).bytes()), overlay);
        assertEquals("VIRTUAL_SIZE=3221225472\n", Files.readString(imageDir.resolve("disk.qcow2")), "the base is never written");
        assertTrue(Files.size(dir.resolve("seed.img")) > 0, "seed made by the real cloud-localds");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("seed.img"))));

        String xml = domainXml("vmbox-llm");
        assertTrue(xml.contains("type=\"qemu\""), xml);
        assertTrue(xml.contains("restrict=on"), xml);
        assertTrue(DomainXml.networkRestricted(xml));
        int port = DomainXml.sshPort(xml).orElseThrow();
        assertEquals(port, p.sshEndpoint("llm").orElseThrow().port());
        assertEquals("127.0.0.1", p.sshEndpoint("llm").orElseThrow().host());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("software emulation")), warnings.toString());
        assertTrue(calls().contains("virsh -q -c qemu:///system define " + dir.resolve("domain.xml")), calls());
        assertTrue(calls().contains("virsh -q -c qemu:///system start vmbox-llm"), calls());
    }

    /**
     * A domain named like vmbox's but defined by someone else (no vmbox metadata): vmbox never starts, stops or deletes
     * it, and says which VM and why.
     */
    @Test
    void aForeignDomainNamedLikeVmboxsIsLeftAlone() throws IOException {
        LibvirtProvider p = provider();
        Path domains = Files.createDirectories(state.resolve("domains"));
        Files.writeString(domains.resolve("vmbox-llm.xml"), "<domain type='kvm'><name>vmbox-llm</name>"
                + "<uuid>fake-uuid-vmbox-llm</uuid><memory unit='KiB'>1048576</memory></domain>\n");
        Files.writeString(domains.resolve("vmbox-llm.state"), "running\n");
        assertEquals(dev.vmbox.provider.Ownership.Kind.FOREIGN, p.ownership("llm").kind());
        for (org.junit.jupiter.api.function.Executable act : List.<org.junit.jupiter.api.function.Executable>of(
                () -> p.delete("llm", Duration.ofSeconds(20)), () -> p.stop("llm", StopMode.FORCE, Duration.ofSeconds(20)),
                () -> p.start("llm", Duration.ofSeconds(20)), () -> p.setAutostart("llm", true, Duration.ofSeconds(20)))) {
            VmboxException e = assertThrows(VmboxException.class, act);
            assertEquals(ExitCode.IN_USE, e.exitCode(), e.getMessage());
            assertTrue(e.getMessage().contains("'vmbox-llm'") && e.getMessage().contains("no vmbox metadata"), e.getMessage());
        }
        assertTrue(Files.exists(domains.resolve("vmbox-llm.xml")), "still defined");
        assertFalse(calls().contains(" destroy ") || calls().contains(" undefine ") || calls().contains(" shutdown ")
                || calls().contains(" autostart "), calls());

        create(p, spec("mine"), seedDir, Duration.ofMinutes(1));
        assertEquals(dev.vmbox.provider.Ownership.Kind.VMBOX, p.ownership("mine").kind());
        assertEquals(dev.vmbox.provider.Ownership.Kind.ABSENT, p.ownership("nothing").kind());
        assertEquals(java.util.Optional.empty(), p.ownSshUser(), "libvirt never logs in to its guests");
    }

    @Test
    void autostartIsLibvirtsOwnDomainAutostart() throws IOException {
        LibvirtProvider p = provider();
        create(p, spec("auto"), seedDir, Duration.ofMinutes(1));
        assertTrue(p.setAutostart("auto", true, Duration.ofSeconds(20)).contains("virsh autostart"));
        assertTrue(Files.exists(state.resolve("domains/vmbox-auto.autostart")));
        assertTrue(calls().contains("virsh -q -c qemu:///system autostart vmbox-auto"), calls());
        p.setAutostart("auto", false, Duration.ofSeconds(20));
        assertFalse(Files.exists(state.resolve("domains/vmbox-auto.autostart")));
        assertTrue(calls().contains("virsh -q -c qemu:///system autostart --disable vmbox-auto"), calls());
        assertEquals(dev.vmbox.ExitCode.NOT_FOUND, org.junit.jupiter.api.Assertions.assertThrows(dev.vmbox.VmboxException.class,
                () -> p.setAutostart("nope", true, Duration.ofSeconds(20))).exitCode());
    }

    @Test
    void thePlanIsMadeWithoutRunningAnythingEvenBeforeTheImageIsHere() throws IOException {
        LibvirtProvider p = provider();
        String text = String.join("\n", CreatePlanRunner.describe(p.createPlan(spec("later"), SeedFiles.in(seedDir),
                Duration.ofMinutes(1))));
        assertEquals("", calls(), "making a plan runs nothing");
        assertTrue(text.contains("the image vmbox-debian-12 is not on this host yet"), text);
        assertTrue(text.contains("$ qemu-img create -q -f qcow2 -F qcow2 -b /IMAGE-vmbox-debian-12/disk.qcow2 "
                + storage.resolve("later/disk.qcow2") + " " + ByteSize.ofGiB(10).bytes()), text);
        assertTrue(text.contains("$ LC_ALL=… virsh -q -c qemu:///system define " + storage.resolve("later/domain.xml")), text);
        assertFalse(Files.exists(storage), "nor makes anything");
        // once prepared (the run), the same plan names the staged base
        p.prepare(spec("later"), Duration.ofMinutes(1));
        String prepared = String.join("\n", CreatePlanRunner.describe(p.createPlan(spec("later"), SeedFiles.in(seedDir),
                Duration.ofMinutes(1))));
        assertTrue(prepared.contains(" is copied to " + storage.resolve("_base")) && prepared.contains("checked against the "
                + "image's content tag before every use"), prepared);
        assertEquals("", calls());
    }

    @Test
    void fetchWindowBootsUnrestrictedAndSealEgressRestricts() throws IOException {
        LibvirtProvider p = provider();
        create(p, spec("fw").withEgress(EgressPolicy.FETCH_WINDOW), seedDir, Duration.ofMinutes(1));
        assertFalse(p.egressSealed("fw"));
        p.stop("fw", StopMode.GRACEFUL, Duration.ofSeconds(20));
        p.sealEgress("fw", Duration.ofSeconds(20));
        assertTrue(p.egressSealed("fw"));
        assertTrue(domainXml("vmbox-fw").contains("user,id=vmboxnet0,restrict=on,ipv6=off,hostfwd=tcp:127.0.0.1:"));
    }

    /** Finding 3 of issue 15: the seed (the guest's host private key) is not left attached to every boot. */
    @Test
    void afterTheFirstBootTheSeedIsDetachedAndDeleted() throws IOException {
        LibvirtProvider p = provider();
        create(p, spec("llm"), seedDir, Duration.ofMinutes(1));
        assertTrue(DomainXml.hasSeed(domainXml("vmbox-llm")), "the first boot has its seed");
        String plan = String.join("\n", CreatePlanRunner.describe(p.afterFirstBoot("llm")));
        assertTrue(plan.contains("$ LC_ALL=… virsh -q -c qemu:///system detach-disk vmbox-llm vdb --config"), plan);

        dev.vmbox.testing.Plans.afterFirstBoot(p, runner(), "llm", Duration.ofMinutes(1));
        assertFalse(DomainXml.hasSeed(domainXml("vmbox-llm")), "no later boot sees the seed: " + domainXml("vmbox-llm"));
        assertFalse(Files.exists(storage.resolve("llm/seed.img")), "the seed file is gone");
        assertTrue(calls().contains("virsh -q -c qemu:///system detach-disk vmbox-llm vdb --config"), calls());
        p.stop("llm", StopMode.GRACEFUL, Duration.ofSeconds(20));
        p.start("llm", Duration.ofSeconds(20));
        assertEquals(VmState.RUNNING, p.inspect("llm").state(), "it boots without its seed");
        p.delete("llm", Duration.ofSeconds(30));
        assertFalse(Files.exists(storage.resolve("llm")));
    }

    /** Finding 5 of issue 15: the base QEMU reads is a copy of the user's image, checked before each reuse. */
    @Test
    void theStagedBaseIsACopyCheckedAgainstItsContentBeforeEachUse() throws IOException {
        LibvirtProvider p = provider();
        create(p, spec("one"), seedDir, Duration.ofMinutes(1));
        Path staged;
        try (var s = Files.list(storage.resolve("_base"))) {
            staged = s.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().startsWith("."))
                    .findFirst().orElseThrow().resolve("disk.qcow2");
        }
        Object cacheInode = Files.getAttribute(imageDir.resolve("disk.qcow2"), "unix:ino");
        assertFalse(cacheInode.equals(Files.getAttribute(staged, "unix:ino")), "a copy, never a link to the user's cache");
        assertEquals(1, Files.getAttribute(imageDir.resolve("disk.qcow2"), "unix:nlink"));

        // QEMU's user (which libvirt hands the staged files to) rewrites the base behind vmbox's back
        String original = Files.readString(staged);
        Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(staged, original.replace("VIRTUAL_SIZE", "TAMPERED_SZ"));
        create(p, spec("two"), seedDir, Duration.ofMinutes(1));
        assertEquals(original, Files.readString(staged), "the next create made the copy again");
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(staged)));
        String overlay = Files.readString(storage.resolve("two/disk.qcow2"));
        assertTrue(overlay.contains("backing=" + staged), overlay);
        assertEquals("VIRTUAL_SIZE=3221225472\n", Files.readString(imageDir.resolve("disk.qcow2")), "the cache is untouched");
        try (var s = Files.list(storage.resolve("_base"))) {
            assertEquals(1, s.count(), "the changed copy is gone, nothing else is left beside the base");
        }
        assertTrue(staged.getParent().getFileName().toString().endsWith("-" + dev.vmbox.image.ContentTag.of(
                ResolvedImage.fromFolder("vmbox-debian-12", imageDir).orElseThrow())), "named by its content: " + staged);
    }

    /** Finding 5 of issue 15: verify asks the running VM, not its definition (a seal takes a restart). */
    @Test
    void theHypervisorSealIsReadFromTheRunningVm() throws IOException {
        LibvirtProvider p = provider();
        create(p, spec("fw").withEgress(EgressPolicy.FETCH_WINDOW), seedDir, Duration.ofMinutes(1));
        assertEquals(java.util.Optional.of(false), p.hypervisorEgressSealed("fw"));
        p.sealEgress("fw", Duration.ofSeconds(20)); // the definition only: the running QEMU still has an open network
        assertTrue(p.egressSealed("fw"), "the definition is sealed");
        assertEquals(java.util.Optional.of(false), p.hypervisorEgressSealed("fw"), "but not the VM that runs");
        p.stop("fw", StopMode.GRACEFUL, Duration.ofSeconds(20));
        p.start("fw", Duration.ofSeconds(20));
        assertEquals(java.util.Optional.of(true), p.hypervisorEgressSealed("fw"));

        // on this machine, QEMU's own command line (in /proc) is the evidence, whatever the XML says
        Path proc = Files.createDirectories(tmp.resolve("host/proc/4242"));
        Files.write(proc.resolve("cmdline"), String.join("\0", "/usr/bin/qemu-system-x86_64", "-name",
                "guest=vmbox-fw,debug-threads=on", "-netdev", "user,id=vmboxnet0,ipv6=off,hostfwd=tcp:127.0.0.1:2222-:22",
                "").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(java.util.Optional.of(false), provider().hypervisorEgressSealed("fw"));
        Files.write(proc.resolve("cmdline"), String.join("\0", "/usr/bin/qemu-system-x86_64", "-name",
                "guest=vmbox-fw,debug-threads=on", "-netdev", "user,id=vmboxnet0,restrict=on,ipv6=off,hostfwd=tcp:127.0.0.1:2222-:22",
                "").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(java.util.Optional.of(true), provider().hypervisorEgressSealed("fw"));
    }

    @Test
    void kvmWhenLibvirtOffersItAndTheCpuHasVirtualization() throws IOException {
        Files.writeString(state.resolve("kvm"), "");
        Files.writeString(tmp.resolve("cpuinfo"), "flags\t\t: fpu vme svm sse2\n");
        assertEquals(VirtType.KVM, provider().resolveVirtType());
        Files.writeString(tmp.resolve("cpuinfo"), "flags\t\t: fpu vme sse2\n");
        assertEquals(VirtType.QEMU, provider().resolveVirtType(), "libvirt lists kvm but the CPU has no vmx/svm");
        assertTrue(warnings.stream().anyMatch(w -> w.contains("no vmx/svm")), warnings.toString());
    }

    @Test
    void creatingAnExistingInstanceFailsAndChangesNothing() throws IOException {
        LibvirtProvider p = provider();
        create(p, spec("dup"), seedDir, Duration.ofMinutes(1));
        String before = domainXml("vmbox-dup");
        VmboxException e = assertThrows(VmboxException.class, () -> create(p, spec("dup"), seedDir, Duration.ofMinutes(1)));
        assertEquals(ExitCode.IN_USE, e.exitCode());
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals(before, domainXml("vmbox-dup"));
        assertTrue(Files.exists(storage.resolve("dup/disk.qcow2")));
    }

    @Test
    void defineReportingAnExistingDomainRollsBackTheFiles() throws IOException {
        mode("define-exists");
        VmboxException e = assertThrows(VmboxException.class, () -> create(provider(), spec("race"), seedDir, Duration.ofMinutes(1)));
        assertEquals(ExitCode.IN_USE, e.exitCode(), "the name was taken meanwhile");
        assertFalse(Files.exists(storage.resolve("race")), "rollback removes overlay and seed");
    }

    @Test
    void diskFullFailsClearlyAndLeavesNothing() throws IOException {
        mode("nospace");
        VmboxException e = assertThrows(VmboxException.class, () -> create(provider(), spec("full"), seedDir, Duration.ofMinutes(1)));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().contains("no space left on device"), e.getMessage());
        assertTrue(e.hint().contains("free disk space"), e.hint());
        assertFalse(Files.exists(storage.resolve("full")));
        assertFalse(calls().contains("define"));
    }

    @Test
    void libvirtdDownIsUnavailableWithTheFix() throws IOException {
        mode("down");
        LibvirtProvider p = provider();
        Availability a = p.probe();
        assertTrue(a.installed());
        assertFalse(a.working());
        assertTrue(a.detail().contains("libvirtd is not running"), a.detail());
        assertTrue(a.hint().contains("libvirtd"), a.hint());
        VmboxException e = assertThrows(VmboxException.class, () -> p.inspect("x"));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        e = assertThrows(VmboxException.class, () -> create(p, spec("x"), seedDir, Duration.ofMinutes(1)));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertFalse(Files.exists(storage.resolve("x")));
    }

    @Test
    void unreachableUriIsUnavailableAndNamesTheUri() throws IOException {
        mode("unreachable");
        LibvirtProvider p = provider("qemu+ssh://gpu9/system");
        Availability a = p.probe();
        assertFalse(a.working());
        assertTrue(a.detail().contains("qemu+ssh://gpu9/system") && a.detail().contains("unreachable"), a.detail());
        VmboxException e = assertThrows(VmboxException.class, () -> p.list());
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(calls().contains("virsh -q -c qemu+ssh://gpu9/system vol-list --pool vmbox; echo VMBOX_DOMAINS_FOLLOW; "
                + "list --all"), calls());
        e = assertThrows(VmboxException.class, () -> p.inspectAll(List.of("a", "b")));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
    }

    @Test
    void aTakenForwardPortIsRetriedWithAnother() throws IOException {
        mode("port-taken");
        LibvirtProvider p = provider();
        create(p, spec("busy"), seedDir, Duration.ofMinutes(1));
        assertEquals(VmState.RUNNING, p.inspect("busy").state());
        assertEquals(2, calls().split("start vmbox-busy", -1).length - 1, calls());
        assertEquals(2, calls().split(" define ", -1).length - 1, "redefined with the new port: " + calls());
        int taken = Integer.parseInt(Files.readString(state.resolve("taken-port")).strip());
        assertTrue(p.sshEndpoint("busy").orElseThrow().port() != taken, "another port after the first was taken");
    }

    @Test
    void aHungVirshTimesOut() throws IOException {
        LibvirtProvider p = provider();
        create(p, spec("slow"), seedDir, Duration.ofMinutes(1));
        mode("hang");
        VmboxException e = assertThrows(VmboxException.class, () -> p.start("slow", Duration.ofSeconds(1)));
        assertEquals(ExitCode.TIMEOUT, e.exitCode());
    }

    @Test
    void stopStartDeleteLifecycleLeavesNothing() throws IOException {
        LibvirtProvider p = provider();
        create(p, spec("life"), seedDir, Duration.ofMinutes(1));
        p.stop("life", StopMode.GRACEFUL, Duration.ofSeconds(20));
        assertEquals(VmState.STOPPED, p.inspect("life").state());
        assertTrue(p.sshEndpoint("life").isEmpty(), "no SSH while stopped");
        p.stop("life", StopMode.FORCE, Duration.ofSeconds(20));
        p.start("life", Duration.ofSeconds(20));
        p.start("life", Duration.ofSeconds(20));
        assertEquals(VmState.RUNNING, p.inspect("life").state());

        p.delete("life", Duration.ofSeconds(30));
        assertEquals(VmState.NOT_CREATED, p.inspect("life").state());
        assertFalse(Files.exists(storage.resolve("life")));
        assertFalse(Files.exists(state.resolve("domains/vmbox-life.xml")));
        assertTrue(calls().contains("undefine vmbox-life --nvram --managed-save --snapshots-metadata"), calls());
        p.delete("life", Duration.ofSeconds(30));
    }

    @Test
    void missingInstanceIsNotCreatedAndCommandsSayNotFound() {
        LibvirtProvider p = provider();
        assertEquals(VmState.NOT_CREATED, p.inspect("ghost").state());
        assertTrue(p.sshEndpoint("ghost").isEmpty());
        VmboxException e = assertThrows(VmboxException.class, () -> p.start("ghost", Duration.ofSeconds(5)));
        assertEquals(ExitCode.NOT_FOUND, e.exitCode());
        e = assertThrows(VmboxException.class, () -> p.stop("ghost", StopMode.FORCE, Duration.ofSeconds(5)));
        assertEquals(ExitCode.NOT_FOUND, e.exitCode());
    }

    @Test
    void leftoverFilesWithoutADomainAreBroken() throws IOException {
        Files.createDirectories(storage.resolve("orphan"));
        var status = provider().inspect("orphan");
        assertEquals(VmState.BROKEN, status.state());
        assertTrue(status.messages().get(0).contains("vmbox delete orphan"), status.messages().toString());
        provider().delete("orphan", Duration.ofSeconds(10));
        assertFalse(Files.exists(storage.resolve("orphan")));
    }

    @Test
    void missingOverlayMakesAnExistingDomainBroken() throws IOException {
        LibvirtProvider p = provider();
        create(p, spec("lost"), seedDir, Duration.ofMinutes(1));
        Files.delete(storage.resolve("lost/disk.qcow2"));
        assertEquals(VmState.BROKEN, p.inspect("lost").state());
    }

    @Test
    void listShowsOnlyVmboxDomains() throws IOException {
        LibvirtProvider p = provider();
        create(p, spec("one"), seedDir, Duration.ofMinutes(1));
        Path foreign = tmp.resolve("foreign.xml");
        Files.writeString(foreign, "<domain type='kvm'><name>somebody-else</name></domain>\n");
        new ZtExecCommandRunner(EventLog.NONE, new Executables(bin.toString())).run(
                dev.vmbox.exec.Command.of(Duration.ofSeconds(10), "virsh", "define", foreign.toString()));
        Files.delete(state.resolve("connections.log"));
        var all = p.list();
        assertEquals(1, all.size());
        assertEquals("one", all.get(0).name());
        assertEquals(1, connections(), "one virsh for the whole list");
    }

    /**
     * Many instances cost one virsh (one connection), and each answer equals what inspect says of that instance alone:
     * running, stopped, never made, files without a domain (BROKEN), a domain whose disk is gone (BROKEN).
     */
    @Test
    void inspectAllAsksOnceAndAgreesWithInspect() throws IOException {
        LibvirtProvider p = provider();
        for (String n : List.of("up", "down", "nodisk")) {
            create(p, spec(n), seedDir, Duration.ofMinutes(1));
        }
        p.stop("down", StopMode.FORCE, Duration.ofSeconds(10));
        Files.delete(storage.resolve("nodisk/disk.qcow2"));
        Files.createDirectories(storage.resolve("orphan"));
        List<String> names = List.of("up", "down", "never", "orphan", "nodisk");
        Files.delete(state.resolve("connections.log"));
        var all = p.inspectAll(names);
        assertEquals(1, connections(), "one virsh for five instances");
        assertEquals(names, List.copyOf(all.keySet()), "one answer per name, in order");
        for (String n : names) {
            assertEquals(p.inspect(n), all.get(n), n);
        }
        assertEquals(List.of(VmState.RUNNING, VmState.STOPPED, VmState.NOT_CREATED, VmState.BROKEN, VmState.BROKEN),
                names.stream().map(n -> all.get(n).state()).toList());
    }

    long connections() throws IOException {
        Path log = state.resolve("connections.log");
        return Files.exists(log) ? Files.readAllLines(log).size() : 0;
    }

    @Test
    void diskSmallerThanTheImageIsRefused() throws IOException {
        Files.writeString(imageDir.resolve("disk.qcow2"), "VIRTUAL_SIZE=" + ByteSize.ofGiB(20).bytes() + "\n");
        VmboxException e = assertThrows(VmboxException.class, () -> create(provider(), spec("small"), seedDir, Duration.ofMinutes(1)));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertFalse(Files.exists(storage.resolve("small")));
    }

    @Test
    void gpuRequestOnSessionLibvirtIsRefused() {
        VmboxException e = assertThrows(VmboxException.class,
                () -> provider("qemu:///session").validate(spec("g").withGpu(GpuRequest.AUTO)));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.hint().contains("qemu:///system"));
    }

    @Test
    void probeReportsVersionAndDomainTypes() {
        Availability a = provider().probe();
        assertTrue(a.usable(), a.toString());
        assertEquals("libvirt 9.0.0, QEMU 7.2.22", a.version());
        assertTrue(a.detail().contains("domain types: qemu"), a.detail());
        assertTrue(a.detail().contains("no KVM"), a.detail());
    }

    @Test
    void virshNotInstalledIsReportedNotThrown() {
        Executables none = new Executables(tmp.resolve("empty").toString());
        Availability a = new LibvirtProbe(new ZtExecCommandRunner(EventLog.NONE, none), "qemu:///system").probe();
        assertFalse(a.installed());
        assertTrue(a.hint().contains("apt-get install"), a.hint());
    }
}
