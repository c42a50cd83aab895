package expkt.provider.dataplane;

import expkt.api.packet.Port;
import expkt.linux.Exec;
import expkt.linux.NetInterfaces;
import expkt.linux.NetInterfaces.NetInterface;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Capture links for EGRESS + UP_AND_DROP. The netdev egress hook runs before packet taps, so a frame
 * dropped there is never seen by a socket. Instead the port's egress rule does
 * {@code dup to "expktc<ifindex>" drop}: the original never leaves the port, and the copy crosses a
 * veth pair the provider owns ({@code expktc<ifindex>} → {@code expktr<ifindex>}), where the sockets
 * (bound to every interface) see it arrive. The socket reports it as an EGRESS frame of the port.
 *
 * <p>Pairs are made on first need, one per port, and removed when the provider stops (stale ones from
 * a crash are removed at start and named in the log; {@code ./expkt clean} removes them without a host).
 * Their names are reserved: they are never ports.
 *
 * <p>Threading: every method runs on the data plane's namespace thread (the {@code ip} process
 * inherits that thread's namespace).
 */
public final class CaptureLinks {
    public static final String DUP_PREFIX = "expktc";
    public static final String PEER_PREFIX = "expktr";

    /** port ifindex → peer ifindex. */
    private final Map<Integer, Integer> peers = new ConcurrentHashMap<>();
    /** peer ifindex → port ifindex, for the receive path (array read, no allocation). */
    private volatile int[] portOfPeer = new int[0];

    public static boolean isReserved(String ifName) {
        return ifName.startsWith(DUP_PREFIX) || ifName.startsWith(PEER_PREFIX);
    }

    public static String dupDevice(Port p) {
        return DUP_PREFIX + p.ifIndex();
    }

    /**
     * Removes capture pairs a previous host left behind (it crashed or was killed); returns their
     * names, for the log. Only safe while this host holds the data plane's lock (no other host's pairs
     * can be there).
     */
    public List<String> removeStale() throws IOException {
        List<String> removed = new ArrayList<>();
        for (NetInterface i : NetInterfaces.list()) {
            if (i.name().startsWith(DUP_PREFIX)) {
                ip("link", "del", i.name());
                removed.add(i.name() + "/" + PEER_PREFIX + i.name().substring(DUP_PREFIX.length()));
            }
        }
        return removed;
    }

    /** The peer ifindex of {@code port}'s capture pair, creating the pair if needed. */
    public synchronized int ensure(Port port) throws IOException {
        Integer peer = peers.get(port.ifIndex());
        if (peer != null) {
            return peer;
        }
        String dup = dupDevice(port);
        String rx = PEER_PREFIX + port.ifIndex();
        ip("link", "add", dup, "mtu", String.valueOf(Math.max(port.mtu(), 1500)), "type", "veth", "peer", "name", rx,
                "mtu", String.valueOf(Math.max(port.mtu(), 1500)));
        ip("link", "set", dup, "up");
        ip("link", "set", rx, "up");
        int index = -1;
        for (NetInterface i : NetInterfaces.list()) {
            if (i.name().equals(rx)) {
                index = i.index();
            }
        }
        if (index < 0) {
            throw new IOException("capture link " + rx + " vanished right after it was made");
        }
        peers.put(port.ifIndex(), index);
        int[] next = new int[Math.max(portOfPeer.length, index + 1)];
        System.arraycopy(portOfPeer, 0, next, 0, portOfPeer.length);
        next[index] = port.ifIndex();
        portOfPeer = next;
        return index;
    }

    /** The peer ifindex of {@code port}'s pair, or -1 if it has none. */
    public int peerOf(Port port) {
        Integer p = peers.get(port.ifIndex());
        return p == null ? -1 : p;
    }

    /** The port ifindex whose copies arrive on {@code peerIfIndex}, or 0 (allocation-free). */
    public int portOfPeer(int peerIfIndex) {
        int[] a = portOfPeer;
        return peerIfIndex >= 0 && peerIfIndex < a.length ? a[peerIfIndex] : 0;
    }

    /** Deletes every pair. */
    public synchronized void removeAll() {
        for (Integer portIndex : new ArrayList<>(peers.keySet())) {
            try {
                ip("link", "del", DUP_PREFIX + portIndex);
            } catch (IOException e) {
                // gone with its namespace
            }
        }
        peers.clear();
        portOfPeer = new int[0];
    }

    /** How long one {@code ip} run may take before it is destroyed. */
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(10);

    /** Runs {@code /usr/sbin/ip args} (found by absolute path) with a timeout over the whole run. */
    private static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Exec.tool("ip", "iproute2").toString());
        cmd.addAll(List.of(args));
        Exec.check(cmd, null, IP_TIMEOUT);
    }
}
