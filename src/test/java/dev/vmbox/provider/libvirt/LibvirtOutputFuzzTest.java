package dev.vmbox.provider.libvirt;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vmbox.ExitCode;
import dev.vmbox.provider.HostCapacity;
import dev.vmbox.testing.ParserContract;
import java.util.OptionalLong;

/**
 * Coverage-guided fuzzing of what vmbox reads from virsh and qemu-img (a remote libvirt host's answers
 * come over SSH): every parser is given every input, as each could meet any output. Each returns or
 * refuses with FAILED in one clear line; what they return is usable (no negative CPU count, memory, free
 * space or image size; names without line breaks).
 *
 * <p>Seeds and past findings: src/test/resources/dev/vmbox/provider/libvirt/LibvirtOutputFuzzTestInputs/readsOrRefuses.
 */
class LibvirtOutputFuzzTest {
    @FuzzTest
    void readsOrRefuses(byte[] data) {
        ParserContract contract = ParserContract.of(data, ParserContract.FIXED_ALLOCATION,
                ParserContract.TEXT_ALLOCATION_PER_BYTE, ExitCode.FAILED);
        String out = contract.text();

        contract.check("LibvirtOutput.state", () -> LibvirtOutput.state(out));
        contract.check("LibvirtOutput.classify", () -> LibvirtOutput.classify(out));
        contract.check("LibvirtOutput.forwardPortTaken", () -> LibvirtOutput.forwardPortTaken(out));
        contract.check("LibvirtOutput.version", () -> LibvirtOutput.version(out));
        contract.check("LibvirtOutput.poolPath", () -> LibvirtOutput.poolPath(out));
        contract.check("LibvirtOutput.poolRunning", () -> LibvirtOutput.poolRunning(out));
        for (String n : contract.check("LibvirtOutput.names", () -> LibvirtOutput.names(out))) {
            ParserContract.require(!n.isBlank() && n.lines().count() == 1, "virsh list read as a name", n);
        }
        OptionalLong free = contract.check("LibvirtOutput.poolAvailable", () -> LibvirtOutput.poolAvailable(out));
        ParserContract.require(free.orElse(0) >= 0, "virsh pool-info read as free bytes", free);
        HostCapacity host = contract.check("LibvirtOutput.nodeinfo", () -> LibvirtOutput.nodeinfo(out, OptionalLong.empty()));
        ParserContract.require(host == null || host.cpus() > 0 && host.memoryBytes() > 0, "virsh nodeinfo read as", host);
        LibvirtOutput.ImageInfo image = contract.check("LibvirtOutput.imageInfo", () -> LibvirtOutput.imageInfo(out));
        ParserContract.require(image == null || image.virtualSize() > 0 && !image.format().isBlank(),
                "qemu-img info read as", image);
    }
}
