package dev.vmbox.exec;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures a process's output with bounded memory: the first {@code headLimit} bytes and the last
 * {@code tailLimit} bytes are kept, the middle is counted and dropped. A program that prints
 * gigabytes cannot make vmbox run out of memory.
 */
final class BoundedCapture extends OutputStream {
    private final int headLimit;
    private final ByteArrayOutputStream head;
    private final byte[] tail;
    private long total;
    private int tailPos;
    private boolean tailWrapped;

    BoundedCapture(int headLimit, int tailLimit) {
        this.headLimit = headLimit;
        this.head = new ByteArrayOutputStream(Math.min(headLimit, 8192));
        this.tail = new byte[tailLimit];
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        total += len;
        int toHead = Math.min(len, headLimit - head.size());
        if (toHead > 0) {
            head.write(b, off, toHead);
            off += toHead;
            len -= toHead;
        }
        if (len <= 0 || tail.length == 0) {
            return;
        }
        if (len >= tail.length) {
            System.arraycopy(b, off + len - tail.length, tail, 0, tail.length);
            tailPos = 0;
            tailWrapped = true;
            return;
        }
        int first = Math.min(len, tail.length - tailPos);
        System.arraycopy(b, off, tail, tailPos, first);
        System.arraycopy(b, off + first, tail, 0, len - first);
        int next = tailPos + len;
        if (next >= tail.length) {
            tailWrapped = true;
        }
        tailPos = next % tail.length;
    }

    synchronized boolean truncated() {
        return total > (long) headLimit + tail.length;
    }

    synchronized long total() {
        return total;
    }

    synchronized String text() {
        String h = head.toString(StandardCharsets.UTF_8);
        long dropped = total - head.size() - tailBytes();
        byte[] t = tailContent();
        if (t.length == 0) {
            return h;
        }
        String middle = dropped > 0 ? "\n[... " + dropped + " bytes of output not kept ...]\n" : "";
        return h + middle + new String(t, StandardCharsets.UTF_8);
    }

    private int tailBytes() {
        return tailWrapped ? tail.length : tailPos;
    }

    private byte[] tailContent() {
        if (!tailWrapped) {
            return java.util.Arrays.copyOf(tail, tailPos);
        }
        byte[] out = new byte[tail.length];
        System.arraycopy(tail, tailPos, out, 0, tail.length - tailPos);
        System.arraycopy(tail, 0, out, tail.length - tailPos, tailPos);
        return out;
    }
}
