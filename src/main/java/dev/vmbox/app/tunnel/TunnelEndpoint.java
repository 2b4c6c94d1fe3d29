package dev.vmbox.app.tunnel;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.http.Conn;
import dev.vmbox.app.tunnel.http.EndpointPolicy;
import dev.vmbox.app.tunnel.http.HttpRefusal;
import dev.vmbox.app.tunnel.http.HttpRelay;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.store.SecureFiles;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;

/**
 * The host side of one {@link Tunnel}: the listeners it holds on the API address (and the other loopback) or
 * on its Unix socket, and the connections accepted there, each relayed request by request ({@link HttpRelay}:
 * Host, Origin and key checked first) to ssh's private Unix socket, at most {@link #MAX_CONNECTIONS} at once.
 */
final class TunnelEndpoint {
    static final int MAX_CONNECTIONS = 256;
    private static final long UPSTREAM_WAIT_MS = 10_000;

    private final TunnelSettings settings;
    private final Path upstreamSocket;
    private final BooleanSupplier givenUp;
    private final TunnelLog log;
    private final List<Closeable> listeners = new ArrayList<>();
    private final Set<HttpRelay> relays = ConcurrentHashMap.newKeySet();
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final String unavailable;
    private EndpointPolicy policy;

    private TunnelEndpoint(TunnelSettings settings, Path upstreamSocket, BooleanSupplier givenUp, TunnelLog log) {
        this.settings = settings;
        this.upstreamSocket = upstreamSocket;
        this.givenUp = givenUp;
        this.log = log;
        this.unavailable = "the tunnel to the model server of '" + settings.name() + "' is down or the server does not answer; "
                + "the tunnel reconnects by itself (vmbox tunnel status " + settings.name() + ")";
    }

    /**
     * Takes the endpoint of {@code settings} and serves it, relaying to {@code upstreamSocket}; {@code givenUp}
     * tells a relay waiting for that socket to stop waiting. Throws (nothing held) when the endpoint is taken by
     * another program (IN_USE) or cannot be opened.
     */
    static TunnelEndpoint open(TunnelSettings settings, String key, Path upstreamSocket, BooleanSupplier givenUp, TunnelLog log) {
        TunnelEndpoint e = new TunnelEndpoint(settings, upstreamSocket, givenUp, log);
        try {
            e.bind(key);
        } catch (RuntimeException ex) {
            e.closeListeners();
            throw ex;
        }
        return e;
    }

    static EndpointPolicy.PublicPaths publicPaths(RuntimeKind runtime) {
        return switch (runtime) {
            case OLLAMA -> EndpointPolicy.PublicPaths.ollama();
            case LLAMA_CPP -> EndpointPolicy.PublicPaths.llamaServer();
            case VLLM -> EndpointPolicy.PublicPaths.vllm();
        };
    }

    private void bind(String key) {
        if (settings.unixSocket() != null) {
            policy = new EndpointPolicy(Set.of(), true, key, publicPaths(settings.runtime()), settings.name());
            bindUnix(settings.unixSocket());
        } else {
            InetAddress address = settings.bindInetAddress();
            policy = new EndpointPolicy(EndpointPolicy.tcpHosts(address, settings.port()), false, key,
                    publicPaths(settings.runtime()), settings.name());
            bindTcp(address, settings.port(), true);
            // the other loopback too, so "localhost" (which may resolve to ::1 first) cannot reach someone else
            InetAddress companion = companion(address);
            if (companion != null) {
                try {
                    bindTcp(companion, settings.port(), false);
                } catch (VmboxException e) {
                    log.log("note: " + e.getMessage() + "; clients that use 'localhost' may reach that program: use 127.0.0.1");
                }
            }
        }
    }

    private static InetAddress companion(InetAddress a) {
        try {
            if (a.getHostAddress().equals("127.0.0.1")) {
                return InetAddress.getByName("::1");
            }
            if (a.getHostAddress().equals("0:0:0:0:0:0:0:1")) {
                return InetAddress.getByName("127.0.0.1");
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private void bindTcp(InetAddress address, int port, boolean primary) {
        ServerSocket server;
        try {
            server = new ServerSocket();
            try {
                server.bind(new InetSocketAddress(address, port), 128);
            } catch (IOException e) {
                server.close();
                throw e;
            }
        } catch (BindException e) {
            String shown = address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
            if (!primary && e.getMessage() != null && e.getMessage().contains("Cannot assign")) {
                return; // no IPv6 loopback on this host: nothing to hold
            }
            throw new VmboxException(ExitCode.IN_USE, "port " + port + " on " + shown + " is already in use by another program",
                    "pick another port with --port, or stop that program");
        } catch (IOException e) {
            if (!primary) {
                return;
            }
            throw new VmboxException(ExitCode.FAILED, "cannot listen on " + settings.endpoint() + ": " + e.getMessage(),
                    "check the address", e);
        }
        listeners.add(server);
        Thread t = new Thread(() -> acceptTcp(server), "endpoint-" + settings.name());
        t.setDaemon(true);
        t.start();
    }

    private void bindUnix(Path socket) {
        SecureFiles.privateDir(socket.toAbsolutePath().getParent());
        try {
            // the folder is ours (0700): a socket file there is a stale one of this tunnel
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            SecureFiles.restrict(socket);
            listeners.add(server);
            listeners.add(() -> Files.deleteIfExists(socket));
            Thread t = new Thread(() -> acceptUnix(server), "endpoint-" + settings.name());
            t.setDaemon(true);
            t.start();
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot listen on " + socket + ": " + e.getMessage(),
                    "check the folder's permissions", e);
        }
    }

    private void acceptTcp(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                serve(Conn.of(s));
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private void acceptUnix(ServerSocketChannel server) {
        while (server.isOpen()) {
            try {
                serve(Conn.of(server.accept()));
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private void serve(Conn client) throws IOException {
        if (!slots.tryAcquire()) {
            try (client) {
                OutputStream out = client.out();
                out.write(new HttpRefusal(503, "too many connections to this endpoint").response());
                out.flush();
            }
            return;
        }
        HttpRelay[] self = new HttpRelay[1];
        HttpRelay relay = new HttpRelay(client, this::openUpstream, policy, unavailable, () -> {
            slots.release();
            relays.remove(self[0]);
        });
        self[0] = relay;
        relays.add(relay);
        Thread t = new Thread(relay, "relay-" + settings.name());
        t.setDaemon(true);
        t.start();
    }

    /** A connection to the runtime through ssh's socket; waits a little while the tunnel reconnects. */
    private Conn openUpstream() throws IOException {
        long deadline = System.nanoTime() + UPSTREAM_WAIT_MS * 1_000_000;
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(upstreamSocket);
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(address);
                return Conn.of(ch);
            } catch (IOException e) {
                ch.close();
                if (givenUp.getAsBoolean() || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /** Releases the endpoint; connections already accepted go on. */
    void closeListeners() {
        synchronized (listeners) {
            for (Closeable c : listeners) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
            listeners.clear();
        }
    }

    /** Ends every open connection. */
    void closeRelays() {
        for (HttpRelay r : relays) {
            r.close();
        }
    }
}
