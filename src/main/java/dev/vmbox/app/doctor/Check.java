package dev.vmbox.app.doctor;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One row of {@code vmbox doctor}: what was checked, how it stands, what was found, what to do.
 *
 * @param section providers, virtualization, host, gpu, tools
 * @param name    the thing checked (libvirt, /dev/kvm, 0000:01:00.0 ...)
 * @param status  OK, MISSING, PROBLEM or INFO
 * @param detail  what was found, one line
 * @param hint    what to do about it, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Check(String section, String name, Status status, String detail, String hint) {
    public enum Status { OK, MISSING, PROBLEM, INFO }
}
