package expkt.provider.dataplane;

import expkt.api.packet.Port;
import expkt.linux.Exec;
import expkt.linux.NetInterfaces;
import expkt.linux.NetInterfaces.NetInterface;
import expkt.linux.NetNs;
import expkt.linux.NetNsThread;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The punt links: how a frame that matches a filter reaches the sockets without any socket tapping a
 * port. The nftables netdev hooks of each port classify every frame once (see {@code nft.NftRules})
 * and {@code dup} a matching frame to the port's punt link for its direction: a veth pair whose near
 * end is in the data-plane namespace ({@code expktci<ifindex>} for ingress, {@code expktc<ifindex>}
 * for egress; the {@code expktc} prefix is reserved, never a port) and whose far end
 * ({@code pi<ifindex>}, {@code pe<ifindex>}) is in the <b>punt namespace</b>, an anonymous network
 * namespace this host creates and holds by a file descriptor only.
 *
 * <p>The sockets live in the punt namespace (bound to every interface there, which are only punt
 * links): a frame crossing the data plane meets no packet tap at all, whatever the number of sockets
 * and filters, and a socket's BPF program runs only for punted frames. Which far end a frame arrived
 * on says its port and direction ({@link #portOfPeer}, {@link #isEgressPeer}). The far ends carry their
 * port's MAC address, so the kernel computes the same packet type (host, other host, broadcast,
 * multicast) as on the port; their MTU is the veth maximum, so no frame is too long to punt; IPv6 is
 * off on both ends (no address, no solicitations of their own).
 *
 * <p>Lifetime: pairs are made for every port when the engine starts and when a port appears, removed
 * when it goes. The punt namespace dies with its handle, and with it every pair (a veth end takes its
 * peer along): also when the host is killed with SIGKILL, after which the kernel removes them
 * (asynchronously; a new host removes near ends still there, {@link #removeStale}).
 *
 * <p>Threading: {@link #ensure}, {@link #retain}, {@link #removeStale} and {@link #close} run on the
 * data plane's namespace thread (the {@code ip} processes inherit its namespace); {@link #portOfPeer}
 * and {@link #isEgressPeer} are allocation-free array reads for the receive path, any thread.
 */
public final class PuntLinks implements AutoCloseable {
    /** Prefix of every near end: {@code expktc<ifindex>} (egress) and {@code expktci<ifindex>} (ingress). */
    public static final String DUP_PREFIX = "expktc";
    static final String INGRESS_PREFIX = "expktci";
    /** MTU of both ends: the veth maximum. */
    static final int MTU = 65535;

    private final NetNs ns;
    private final NetNsThread thread;
    /** port key ({@link DataPlaneModel#key}) → {ingress peer, egress peer} ifindex in the punt namespace. */
    private final Map<Integer, int[]> peers = new ConcurrentHashMap<>();
    /** peer ifindex → port key ({@link DataPlaneModel#key}: the ifindex for a port of the data plane's namespace), for the receive path. */
    private volatile int[] portOfPeer = new int[0];
    /** peer ifindex → 1 if it carries egress copies. */
    private volatile byte[] egressPeer = new byte[0];

    private PuntLinks(NetNs ns, NetNsThread thread) {
        this.ns = ns;
        this.thread = thread;
    }

    /** Creates the punt namespace (anonymous) and its thread; {@code label} names them in thread dumps. */
    public static PuntLinks start(String label) throws IOException {
        NetNs ns = NetNs.createAnonymous("expkt-punt-" + label);
        try {
            return new PuntLinks(ns, new NetNsThread("expkt-punt-" + label, ns));
        } catch (IOException | RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /**
     * What {@link #detach} leaves for the next revision: the punt namespace's handle (open) and the pairs
     * of the data plane's own ports.
     */
    public record Detached(NetNs ns, List<expkt.api.spi.ParkedDataPlane.PuntLink> links) {
    }

    /**
     * Takes over the punt namespace {@code ns} and the pairs {@code links} an earlier revision left
     * ({@link #detach}) after checking they are all there: each near end in the data plane (this thread's
     * namespace: call it on the data plane's namespace thread) and each far end in {@code ns} with its
     * ifindex. Anything else in the punt namespace (far ends of VR namespaces' pairs, which are made
     * anew) is deleted. Throws naming what is missing, having changed nothing; {@code ns} stays the
     * caller's then.
     */
    public static PuntLinks adopt(String label, NetNs ns, List<expkt.api.spi.ParkedDataPlane.PuntLink> links) throws IOException {
        Set<String> near = new HashSet<>();
        for (NetInterface i : NetInterfaces.list()) {
            near.add(i.name());
        }
        for (var l : links) {
            for (String dev : new String[] {l.ingressDevice(), l.egressDevice()}) {
                if (!near.contains(dev)) {
                    throw new IOException("the punt link " + dev + " is gone from the data plane");
                }
            }
        }
        NetNsThread thread = new NetNsThread("expkt-punt-" + label, ns);
        try {
            Map<String, Integer> far = thread.call(() -> {
                Map<String, Integer> m = new java.util.HashMap<>();
                for (NetInterface i : NetInterfaces.list()) {
                    m.put(i.name(), i.index());
                }
                return m;
            });
            Set<String> keep = new HashSet<>(List.of("lo"));
            for (var l : links) {
                int portIfIndex = l.portKey() & DataPlaneModel.MAX_SPACE_IFINDEX;
                String in = peerName(0, portIfIndex, false);
                String out = peerName(0, portIfIndex, true);
                if (!Integer.valueOf(l.ingressPeer()).equals(far.get(in)) || !Integer.valueOf(l.egressPeer()).equals(far.get(out))) {
                    throw new IOException("the far ends of the punt link of port ifindex " + portIfIndex + " are not in the punt namespace as "
                            + in + "/" + out + " with ifindex " + l.ingressPeer() + "/" + l.egressPeer() + " (there: " + far.get(in) + "/"
                            + far.get(out) + ")");
                }
                keep.add(in);
                keep.add(out);
            }
            PuntLinks p = new PuntLinks(ns, thread);
            int[] ports2 = new int[0];
            byte[] egress2 = new byte[0];
            for (var l : links) {
                int max = Math.max(l.ingressPeer(), l.egressPeer()) + 1;
                if (ports2.length < max) {
                    ports2 = java.util.Arrays.copyOf(ports2, max);
                    egress2 = java.util.Arrays.copyOf(egress2, max);
                }
                ports2[l.ingressPeer()] = l.portKey();
                ports2[l.egressPeer()] = l.portKey();
                egress2[l.egressPeer()] = 1;
                p.peers.put(l.portKey(), new int[] {l.ingressPeer(), l.egressPeer()});
            }
            p.portOfPeer = ports2;
            p.egressPeer = egress2;
            List<String> extra = new ArrayList<>();
            for (String name : far.keySet()) {
                if (!keep.contains(name)) {
                    extra.add(name);
                }
            }
            if (!extra.isEmpty()) {
                thread.call(() -> {
                    for (String name : extra) {
                        deleteQuietly(name);
                    }
                    return null;
                });
            }
            return p;
        } catch (IOException | RuntimeException e) {
            thread.close();
            throw e;
        } catch (Exception e) {
            thread.close();
            throw new IOException(e);
        }
    }

    /**
     * Leaves the pairs of the data plane's own ports and the punt namespace in place for the next
     * revision and returns them; stops the punt namespace's thread. The pairs of VR namespaces' ports are
     * not handed over (the next revision makes them anew; their far ends go when it adopts). This
     * instance is unusable afterwards; the caller owns the returned handle.
     */
    public synchronized Detached detach() {
        List<expkt.api.spi.ParkedDataPlane.PuntLink> links = new ArrayList<>();
        for (Map.Entry<Integer, int[]> e : new java.util.TreeMap<>(peers).entrySet()) {
            int key = e.getKey();
            if (key >>> DataPlaneModel.SPACE_SHIFT != 0) {
                continue;
            }
            links.add(new expkt.api.spi.ParkedDataPlane.PuntLink(key, INGRESS_PREFIX + key, DUP_PREFIX + key, e.getValue()[0],
                    e.getValue()[1]));
        }
        peers.clear();
        portOfPeer = new int[0];
        thread.close();
        return new Detached(ns, links);
    }

    /** The punt namespace's handle (its fd and inode are what a handover parks). */
    public NetNs namespace() {
        return ns;
    }

    /** True for names this class reserves in the data-plane namespace (they are never ports). */
    public static boolean isReserved(String ifName) {
        return ifName.startsWith(DUP_PREFIX) || ifName.startsWith("expktr");
    }

    /** The near end {@code port}'s frames of one direction are duplicated to. */
    public static String device(Port port, boolean egress) {
        return (egress ? DUP_PREFIX : INGRESS_PREFIX) + port.ifIndex();
    }

    /**
     * The far end's name in the punt namespace: {@code pi<ifindex>} / {@code pe<ifindex>} for a port of
     * the data plane's namespace, {@code v<space>i<ifindex>} / {@code v<space>e<ifindex>} for one of a VR
     * namespace (ifindexes are per namespace, the punt namespace holds the far ends of all).
     */
    private static String peerName(int space, int portIfIndex, boolean egress) {
        return space == 0 ? (egress ? "pe" : "pi") + portIfIndex : "v" + space + (egress ? "e" : "i") + portIfIndex;
    }

    /** Runs {@code task} on a thread inside the punt namespace (sockets are opened there). */
    public <T> T call(Callable<T> task) throws Exception {
        return thread.call(task);
    }

    /**
     * Removes near ends a previous host left behind (killed before the kernel removed its punt
     * namespace, or an older host's capture links); returns their names, for the log. Only safe
     * before this host made its own and while it holds the data plane's lock. Data-plane namespace thread.
     */
    public static List<String> removeStaleIn() throws IOException {
        return removeStaleIn(Set.of());
    }

    /** {@link #removeStaleIn()}, but leaves the near ends named in {@code keep} (adopted from the previous revision). */
    public static List<String> removeStaleIn(Set<String> keep) throws IOException {
        List<String> removed = new ArrayList<>();
        for (NetInterface i : NetInterfaces.list()) {
            if (isReserved(i.name()) && !keep.contains(i.name())) {
                try {
                    ip(null, "link", "del", i.name());
                    removed.add(i.name());
                } catch (IOException e) {
                    // its peer's namespace went meanwhile and took it along
                }
            }
        }
        return removed;
    }

    /** Makes both pairs of each port that has none yet. Data-plane namespace thread. */
    public synchronized void ensure(List<Port> ports) throws IOException {
        ensure(0, ports);
    }

    /**
     * Makes both pairs of each port of space {@code space} ({@code ports} all live there) that has none
     * yet. On that space's namespace thread (the near ends are made where the thread is).
     */
    public synchronized void ensure(int space, List<Port> ports) throws IOException {
        List<Port> missing = new ArrayList<>();
        for (Port p : ports) {
            if (!peers.containsKey(DataPlaneModel.key(space, p.ifIndex()))) {
                missing.add(p);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        StringBuilder near = new StringBuilder();
        StringBuilder far = new StringBuilder();
        for (Port p : missing) {
            String mac = p.mac() == null ? "" : " address " + p.mac().toString().toLowerCase(Locale.ROOT);
            for (boolean egress : new boolean[] {false, true}) {
                String dev = device(p, egress);
                String peer = peerName(space, p.ifIndex(), egress);
                near.append("link add ").append(dev).append(" mtu ").append(MTU).append(" type veth peer name ").append(peer)
                        .append(" mtu ").append(MTU).append(mac).append(" netns ").append(ns.path()).append('\n');
                near.append("link set ").append(dev).append(" addrgenmode none\n");
                near.append("link set ").append(dev).append(" up\n");
                far.append("link set ").append(peer).append(" addrgenmode none\n");
                far.append("link set ").append(peer).append(" up\n");
            }
        }
        ip(near.toString(), "-batch", "-");
        Map<String, Integer> index;
        try {
            index = thread.call(() -> {
                ip(far.toString(), "-batch", "-");
                Map<String, Integer> m = new java.util.HashMap<>();
                for (NetInterface i : NetInterfaces.list()) {
                    m.put(i.name(), i.index());
                }
                return m;
            });
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
        int[] ports2 = portOfPeer.clone();
        byte[] egress2 = egressPeer.clone();
        for (Port p : missing) {
            Integer in = index.get(peerName(space, p.ifIndex(), false));
            Integer out = index.get(peerName(space, p.ifIndex(), true));
            if (in == null || out == null) {
                throw new IOException("punt link of port " + p.slotPort() + " (" + p.ifName() + ") vanished right after it was made");
            }
            int max = Math.max(in, out) + 1;
            if (ports2.length < max) {
                ports2 = java.util.Arrays.copyOf(ports2, max);
                egress2 = java.util.Arrays.copyOf(egress2, max);
            }
            int key = DataPlaneModel.key(space, p.ifIndex());
            ports2[in] = key;
            ports2[out] = key;
            egress2[out] = 1;
            peers.put(key, new int[] {in, out});
        }
        egressPeer = egress2;
        portOfPeer = ports2;
    }

    /** Removes the pairs of ports not in {@code ports} (the port went away). Data-plane namespace thread. */
    public synchronized void retain(List<Port> ports) {
        retain(0, ports);
    }

    /**
     * Removes the pairs of space {@code space}'s ports not in {@code ports} (the port went away); on that
     * space's namespace thread.
     */
    public synchronized void retain(int space, List<Port> ports) {
        Set<Integer> keep = new HashSet<>();
        for (Port p : ports) {
            keep.add(DataPlaneModel.key(space, p.ifIndex()));
        }
        for (Integer key : new ArrayList<>(peers.keySet())) {
            if (keep.contains(key) || key >>> DataPlaneModel.SPACE_SHIFT != space) {
                continue;
            }
            int portIndex = key & DataPlaneModel.MAX_SPACE_IFINDEX;
            int[] pair = peers.remove(key);
            int[] ports2 = portOfPeer.clone();
            for (int peer : pair) {
                if (peer < ports2.length) {
                    ports2[peer] = 0;
                }
            }
            portOfPeer = ports2;
            deleteQuietly(INGRESS_PREFIX + portIndex);
            deleteQuietly(DUP_PREFIX + portIndex);
        }
    }

    /** The far end (punt namespace ifindex) of the link of the port with {@code key} for one direction, or -1 if it has none. */
    public int peerOf(int key, boolean egress) {
        int[] p = peers.get(key);
        return p == null ? -1 : p[egress ? 1 : 0];
    }

    /** The key ({@link DataPlaneModel#key}) of the port whose frames arrive on {@code peerIfIndex}, or 0 (allocation-free). */
    public int portOfPeer(int peerIfIndex) {
        int[] a = portOfPeer;
        return peerIfIndex >= 0 && peerIfIndex < a.length ? a[peerIfIndex] : 0;
    }

    /** True if {@code peerIfIndex} carries a port's egress copies (allocation-free). */
    public boolean isEgressPeer(int peerIfIndex) {
        byte[] a = egressPeer;
        return peerIfIndex >= 0 && peerIfIndex < a.length && a[peerIfIndex] != 0 && portOfPeer(peerIfIndex) != 0;
    }

    /** How many ports have punt links (for the commands). */
    public int size() {
        return peers.size();
    }

    /**
     * Deletes every pair (data-plane namespace thread), stops the punt namespace's thread and closes
     * its handle: the namespace goes with it.
     */
    @Override
    public synchronized void close() {
        for (Integer key : new ArrayList<>(peers.keySet())) {
            if (key >>> DataPlaneModel.SPACE_SHIFT != 0) {
                continue; // a VR namespace's near end: it goes with the punt namespace (its far end's namespace)
            }
            deleteQuietly(INGRESS_PREFIX + key);
            deleteQuietly(DUP_PREFIX + key);
        }
        peers.clear();
        portOfPeer = new int[0];
        thread.close();
        ns.close();
    }

    private static void deleteQuietly(String dev) {
        try {
            ip(null, "link", "del", dev);
        } catch (IOException e) {
            // gone already (its port's or the punt namespace's end went)
        }
    }

    /** How long one {@code ip} run may take before it is destroyed. */
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(10);

    /** Runs {@code /usr/sbin/ip args} (found by absolute path), {@code stdin} as its input, with a timeout over the whole run. */
    private static void ip(String stdin, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Exec.tool("ip", "iproute2").toString());
        cmd.addAll(List.of(args));
        Exec.check(cmd, stdin == null ? null : stdin.getBytes(StandardCharsets.UTF_8), IP_TIMEOUT);
    }
}
