package dev.vmbox.spec;

import dev.vmbox.VmboxException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.regex.Pattern;

/**
 * Where the API is published on the host: an IP literal and a port. Loopback unless the user confirmed
 * {@code --expose}; an exposed address must be one of this host's own (never a wildcard, never a name to
 * resolve). The one place this rule lives.
 *
 * @param literal the address as the user wrote it (an IPv4 or IPv6 literal)
 * @param port    1 to 65535
 * @param exposed the user confirmed a non-loopback address with {@code --expose}
 */
public record ApiAddress(String literal, int port, boolean exposed) {
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*");

    public ApiAddress {
        port = port(port);
        InetAddress a = parseLiteral(literal);
        if (a.isAnyLocalAddress()) {
            throw VmboxException.badInput("refusing to publish the API on every address (" + literal + ")",
                    "name one address of this host with --expose, or keep the default 127.0.0.1");
        }
        if (!a.isLoopbackAddress()) {
            if (!exposed) {
                throw VmboxException.badInput("refusing to publish the API on " + literal + ", which is not loopback",
                        "anything beyond 127.0.0.1 needs --expose " + literal + " (it opens the model server to the network)");
            }
            if (!isLocalAddress(a)) {
                throw VmboxException.badInput("--expose " + Names.forMessage(literal) + " is not an address of this host",
                        "use an address one of this host's interfaces has (ip -brief address)");
            }
        }
    }

    /** A loopback API on {@code port} (127.0.0.1). */
    public static ApiAddress loopback(int port) {
        return new ApiAddress("127.0.0.1", port, false);
    }

    /** Checks a port number as typed: 1 to 65535. */
    public static int port(int port) {
        if (port < 1 || port > 65535) {
            throw VmboxException.badInput("invalid port " + port, "use a port from 1 to 65535");
        }
        return port;
    }

    public InetAddress inetAddress() {
        return parseLiteral(literal);
    }

    public boolean loopback() {
        return inetAddress().isLoopbackAddress();
    }

    /** The host part of a URL: IPv6 in brackets. */
    public String urlHost() {
        return hostForUrl(literal);
    }

    /** {@code http://HOST:PORT}. */
    public String url() {
        return "http://" + urlHost() + ":" + port;
    }

    public static String hostForUrl(String literal) {
        return literal.contains(":") ? "[" + literal + "]" : literal;
    }

    /** An IP literal (never a host name to resolve, no surrounding space), or BAD_INPUT. */
    public static InetAddress parseLiteral(String literal) {
        if (literal == null || !IP_LITERAL.matcher(literal).matches()) {
            throw VmboxException.badInput("the API address must be an IP address, not " + Names.forMessage(literal),
                    "use 127.0.0.1 (the default), or an address of this host with --expose");
        }
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw VmboxException.badInput("the API address " + Names.forMessage(literal) + " is not a valid IP address",
                    "use 127.0.0.1 (the default), or an address of this host with --expose");
        }
    }

    private static boolean isLocalAddress(InetAddress a) {
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress own : Collections.list(nif.getInetAddresses())) {
                    if (java.util.Arrays.equals(own.getAddress(), a.getAddress())) {
                        return true;
                    }
                }
            }
            return false;
        } catch (SocketException e) {
            throw VmboxException.failed("cannot list this host's network addresses to check --expose: " + e.getMessage(),
                    "keep the default 127.0.0.1", e);
        }
    }
}
