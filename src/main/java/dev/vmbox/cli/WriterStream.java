package dev.vmbox.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Bytes from the guest to one of the CLI's writers, decoded as UTF-8 (for {@code vmbox exec}). */
final class WriterStream extends OutputStream {
    private final PrintWriter w;
    private final CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final ByteBuffer in = ByteBuffer.allocate(8192);
    private final CharBuffer out = CharBuffer.allocate(8192);

    WriterStream(PrintWriter w) {
        this.w = w;
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        while (len > 0) {
            int n = Math.min(len, in.remaining());
            in.put(b, off, n);
            off += n;
            len -= n;
            in.flip();
            dec.decode(in, out, false);
            in.compact();
            out.flip();
            w.append(out);
            out.clear();
        }
        w.flush();
    }

    @Override
    public synchronized void flush() {
        w.flush();
    }
}
