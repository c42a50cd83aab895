package expkt.itest.vr.bundles;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.osgi.framework.BundleContext;

import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VirtualRouters;
import expkt.api.vr.VrSockets;

/**
 * The protocol bundle of the VR update test (packed into a bundle by {@code TestBundles}): a DS component
 * with a static reference to {@link VrSockets} that opens one raw ICMP socket in a VR when activated and
 * holds it until deactivated, as a ping or VRRP-like protocol would. Its service ({@code Function}, a
 * java.* type the probe can call without sharing a class) answers {@code activations} (how often this
 * class's component was activated: a static of the bundle's own class loader, which the test never
 * updates), {@code socket} (the socket object's identity) and {@code ping <seq>}: one ICMP echo to the
 * peer through the held socket, {@code reply} when the peer's answer with that sequence came within 1 s,
 * else {@code timeout}, or {@code error: ...}. It also holds a plain UDP channel of the VR
 * ({@code openDatagramChannel}): {@code udp <seq>} sends a datagram to the peer's echo port and answers
 * {@code reply} when the echo came back within 1 s; and an expkt L3 UDP socket ({@code udpSocket}):
 * {@code l3 <seq>} does the same through its channel; and an {@code ALL} server socket
 * ({@code serverSocketAllVrs}, bound to the port {@code expkt.itest.allport} in every VR): {@code all} accepts
 * one connection within 3 s through it, writes {@code hello <vr>} to it and closes it, and answers
 * {@code accepted <vr> by <identity of the ALL socket>}, else {@code error: ...}. It also has a static reference
 * to {@link VirtualRouters} (the keeper's since branch {@code vrreg}): {@code vr <name>} answers
 * {@code <name> <id> listed} when {@code byName} knows the VR and {@code list()} holds it, {@code <name> <id> unlisted}
 * when only {@code byName} does, else {@code error: ...}.
 *
 * <p>Threading: one caller at a time for {@code ping} (the test's traffic thread); the others any thread.
 */
public final class RawPingHolder implements Function<String, String> {
    private static final AtomicInteger ACTIVATIONS = new AtomicInteger();

    private VrSockets sockets;
    private VirtualRouters vrs;
    private RawIpSocket socket;
    private java.nio.channels.DatagramChannel udp;
    private expkt.api.vr.L3Socket<java.nio.channels.DatagramChannel> l3;
    private expkt.api.vr.AllVrServerSocket all;
    private java.net.InetSocketAddress echo;
    private InetAddress peer;
    private final int identifier = ThreadLocalRandom.current().nextInt(1, 0x10000);
    private final byte[] tx = new byte[8 + 32];
    private final byte[] rx = new byte[2048];

    public void setSockets(VrSockets sockets) {
        this.sockets = sockets;
    }

    public void setVrs(VirtualRouters vrs) {
        this.vrs = vrs;
    }

    public void activate(BundleContext context, Map<String, Object> properties) throws Exception {
        peer = InetAddress.getByName((String) properties.get("expkt.itest.peer"));
        socket = sockets.rawSocket((String) properties.get("expkt.itest.vr"), RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        socket.setReceiveTimeout(Duration.ofMillis(200));
        echo = new java.net.InetSocketAddress(peer, Integer.parseInt((String) properties.get("expkt.itest.echoport")));
        udp = sockets.openDatagramChannel((String) properties.get("expkt.itest.vr"), null);
        udp.socket().setSoTimeout(1000);
        l3 = sockets.udpSocket((String) properties.get("expkt.itest.vr"), null);
        l3.channel().socket().setSoTimeout(1000);
        all = sockets.serverSocketAllVrs(null);
        all.bind(new java.net.InetSocketAddress(Integer.parseInt((String) properties.get("expkt.itest.allport"))), 8);
        ACTIVATIONS.incrementAndGet();
    }

    public void deactivate() throws Exception {
        socket.close();
        udp.close();
        l3.close();
        all.close();
    }

    @Override
    public String apply(String command) {
        if (command.equals("activations")) {
            return Integer.toString(ACTIVATIONS.get());
        }
        if (command.equals("socket")) {
            return Integer.toHexString(System.identityHashCode(socket)) + " " + Integer.toHexString(System.identityHashCode(udp)) + " "
                    + Integer.toHexString(System.identityHashCode(l3)) + " " + Integer.toHexString(System.identityHashCode(l3.channel())) + " "
                    + Integer.toHexString(System.identityHashCode(all)) + " " + socket;
        }
        if (command.startsWith("vr ")) {
            try {
                VirtualRouter v = vrs.byName(command.substring(3));
                return v.name() + " " + v.id() + (vrs.list().contains(v) ? " listed" : " unlisted");
            } catch (RuntimeException e) {
                return "error: " + e;
            }
        }
        if (command.startsWith("udp ") || command.startsWith("l3 ")) {
            java.nio.channels.DatagramChannel udp = command.startsWith("l3 ") ? l3.channel() : this.udp;
            try {
                byte[] out = command.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                udp.send(java.nio.ByteBuffer.wrap(out), echo);
                long deadline = System.nanoTime() + 1_000_000_000L;
                java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[256], 256);
                while (System.nanoTime() < deadline) {
                    try {
                        udp.socket().receive(in);
                    } catch (java.net.SocketTimeoutException e) {
                        break;
                    }
                    if (new String(in.getData(), 0, in.getLength(), java.nio.charset.StandardCharsets.US_ASCII).equals(command)) {
                        return "reply";
                    }
                }
                return "timeout";
            } catch (Exception e) {
                return "error: " + e;
            }
        }
        if (command.equals("all")) {
            try {
                expkt.api.vr.AllVrServerSocket.Accepted a = all.accept(Duration.ofSeconds(3));
                try (java.nio.channels.SocketChannel c = a.channel()) {
                    c.write(java.nio.ByteBuffer.wrap(("hello " + a.vr().name()).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                }
                return "accepted " + a.vr().name() + " by " + Integer.toHexString(System.identityHashCode(all));
            } catch (Exception e) {
                return "error: " + e;
            }
        }
        if (command.startsWith("ping ")) {
            try {
                return ping(Integer.parseInt(command.substring(5)));
            } catch (Exception e) {
                return "error: " + e;
            }
        }
        return "error: unknown command " + command;
    }

    /** One echo request with {@code seq}; waits up to 1 s for the reply with this identifier and sequence. */
    private String ping(int seq) throws Exception {
        tx[0] = 8; // echo request
        tx[1] = 0;
        tx[2] = 0;
        tx[3] = 0;
        tx[4] = (byte) (identifier >> 8);
        tx[5] = (byte) identifier;
        tx[6] = (byte) (seq >> 8);
        tx[7] = (byte) seq;
        for (int i = 8; i < tx.length; i++) {
            tx[i] = (byte) i;
        }
        int sum = 0;
        for (int i = 0; i < tx.length; i += 2) {
            sum += ((tx[i] & 0xff) << 8) | (tx[i + 1] & 0xff);
        }
        sum = (sum >> 16) + (sum & 0xffff);
        sum += sum >> 16;
        int checksum = ~sum & 0xffff;
        tx[2] = (byte) (checksum >> 8);
        tx[3] = (byte) checksum;
        socket.send(tx, 0, tx.length, peer);
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            int n;
            try {
                n = socket.receive(rx, 0, rx.length);
            } catch (java.net.SocketTimeoutException e) {
                continue;
            }
            int ihl = (rx[0] & 0x0f) * 4; // an IPv4 raw socket receives the IP header too
            if (n >= ihl + 8 && rx[ihl] == 0 && (((rx[ihl + 4] & 0xff) << 8) | (rx[ihl + 5] & 0xff)) == identifier
                    && (((rx[ihl + 6] & 0xff) << 8) | (rx[ihl + 7] & 0xff)) == (seq & 0xffff)) {
                return "reply";
            }
        }
        return "timeout";
    }
}
