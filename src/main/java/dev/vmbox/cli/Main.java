package dev.vmbox.cli;

import java.io.PrintWriter;
import java.nio.charset.Charset;

/** The program entry point: the only place in vmbox that calls System.exit. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Integer agent = TunnelRunCommand.runWithoutCommandTree(args);
        if (agent != null) {
            System.exit(agent);
        }
        Charset cs = Charset.defaultCharset();
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, cs), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, cs), true);
        int code = Vmbox.run(CliEnvironment.system(), out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
