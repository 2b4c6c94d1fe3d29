package dev.vmbox.app.tunnel;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Test helper that plays another local program trying to take a user's endpoint, run in its own JVM (as another
 * uid with setpriv, or as the same uid). No dependencies, so it runs from the test classes alone.
 * <ul>
 *   <li>{@code bind HOST PORT SECONDS}: tries to bind HOST:PORT every millisecond or so; when it gets it, prints
 *       {@code BOUND}, answers every connection with "HTTP/1.1 200 OK ... squatter" and counts them; at the end
 *       prints {@code ATTEMPTS n BOUND b SERVED s}</li>
 *   <li>{@code connect-unix PATH}: prints {@code CONNECTED} or {@code REFUSED reason}</li>
 * </ul>
 */
public final class Squatter {
    private Squatter() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("connect-unix")) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(args[1]));
                System.out.println("CONNECTED");
            } catch (IOException e) {
                System.out.println("REFUSED " + e.getMessage());
            }
            return;
        }
        InetAddress host = InetAddress.getByName(args[1]);
        int port = Integer.parseInt(args[2]);
        long end = System.nanoTime() + Long.parseLong(args[3]) * 1_000_000_000L;
        int attempts = 0;
        int bound = 0;
        int served = 0;
        System.out.println("READY");
        System.out.flush();
        while (System.nanoTime() < end) {
            attempts++;
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(host, port));
                bound++;
                System.out.println("BOUND");
                System.out.flush();
                s.setSoTimeout(200);
                while (System.nanoTime() < end) {
                    try (Socket c = s.accept()) {
                        served++;
                        OutputStream out = c.getOutputStream();
                        out.write("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nsquatter".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    } catch (java.net.SocketTimeoutException e) {
                        // keep holding
                    }
                }
            } catch (IOException taken) {
                Thread.sleep(0, 500_000);
            }
        }
        System.out.println("ATTEMPTS " + attempts + " BOUND " + bound + " SERVED " + served);
    }
}
