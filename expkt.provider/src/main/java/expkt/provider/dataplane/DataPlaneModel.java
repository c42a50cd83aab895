package expkt.provider.dataplane;

import expkt.api.net.SlotPort;
import expkt.api.packet.Port;
import expkt.api.packet.Vlan;
import expkt.linux.NetInterfaces;
import expkt.linux.NetInterfaces.NetInterface;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One immutable snapshot of the data plane: its ports (slot:port ↔ interface) and VLANs, and the VR
 * the data-plane namespace is. Lookups by ifindex and VLAN tag are arrays, so the receive path turns
 * a ring frame's ifindex and tag into the address's strings without allocating: the strings handed out
 * are this model's own. Each port also has the {@link LinkState} its interface had when the model was
 * made (the MTU is in the {@link Port}).
 *
 * <p>VR-aware: a port may live in another network namespace than the data plane's (a port entry naming
 * a VR, see {@link DataPlaneConfigParser}). Each namespace is a <em>space</em> with a small index the
 * {@link DataPlane} gives it (0: the data plane's own namespace, never reused while the data plane
 * lives); ifindexes are per namespace, so a port is found by its {@linkplain #key key} (space and
 * ifindex), and each port knows its VR id ({@link #vrIdOf}) and space ({@link #spaceOf}). Without VR
 * entries every port is in space 0, its key is its ifindex, and everything is as before.
 *
 * <p>Threading: immutable; replaced as a whole when the configuration or the interfaces change.
 */
public final class DataPlaneModel {
    /** A port's link as the kernel reports it. */
    public enum LinkState {
        /** Administratively up and operational (IFF_UP and IFF_RUNNING). */
        UP("up"),
        /** Administratively down ({@code ip link set down}): the kernel refuses sends (ENETDOWN). */
        DOWN("down"),
        /** Up, but without carrier (the far end is down): the kernel takes sends and drops them. */
        NO_CARRIER("no-carrier"),
        /** Not read yet. */
        UNKNOWN("unknown");

        private final String text;

        LinkState(String text) {
            this.text = text;
        }

        static LinkState of(NetInterface i) {
            if (!i.isUp()) {
                return DOWN;
            }
            return (i.flags() & NetInterfaces.IFF_RUNNING) != 0 ? UP : NO_CARRIER;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** Bits of a {@link #key} that hold the ifindex; the space is above them. */
    static final int SPACE_SHIFT = 24;
    /** The largest ifindex a port of a VR space may have (a key holds 24 bits of it). */
    static final int MAX_SPACE_IFINDEX = (1 << SPACE_SHIFT) - 1;

    /** Where a port lives: its space (namespace index), its VR id, its link state when the model was made. */
    record Place(int space, int vrId, LinkState state) {
    }

    private final List<Port> ports;
    /** Ports of spaces 1..n by ifindex (index 0 unused: space 0 is {@link #byIfIndex}). */
    private final Port[][] bySpace;
    private final Map<SlotPort, Place> places;
    private final boolean hasVrSpaces;
    private final Map<SlotPort, Port> bySlotPort;
    private final Port[] byIfIndex;
    private final Map<String, Vlan> vlans;
    private final Vlan[] byTag = new Vlan[4096];
    private final String vrName;
    private final int vrId;
    private final String source;
    private final LinkState[] stateByIfIndex;

    DataPlaneModel(List<Port> ports, List<Vlan> vlans, String vrName, int vrId, String source) {
        this(ports, vlans, vrName, vrId, source, null, Map.of());
    }

    DataPlaneModel(List<Port> ports, List<Vlan> vlans, String vrName, int vrId, String source, Map<SlotPort, Place> places) {
        this(ports, vlans, vrName, vrId, source, null, places);
    }

    private DataPlaneModel(List<Port> ports, List<Vlan> vlans, String vrName, int vrId, String source, List<NetInterface> links,
                           Map<SlotPort, Place> places) {
        this.places = Map.copyOf(places);
        this.hasVrSpaces = places.values().stream().anyMatch(pl -> pl.space() != 0);
        List<Port> sorted = new ArrayList<>(ports);
        Collections.sort(sorted, (a, b) -> a.slotPort().compareTo(b.slotPort()));
        this.ports = List.copyOf(sorted);
        Map<SlotPort, Port> m = new LinkedHashMap<>();
        int maxIndex = 0;
        int maxSpace = 0;
        for (Port p : sorted) {
            m.put(p.slotPort(), p);
            int space = spaceOf(p);
            if (space == 0) {
                maxIndex = Math.max(maxIndex, p.ifIndex());
            }
            maxSpace = Math.max(maxSpace, space);
        }
        this.bySlotPort = Collections.unmodifiableMap(m);
        this.byIfIndex = new Port[maxIndex + 1];
        this.bySpace = new Port[maxSpace + 1][];
        bySpace[0] = byIfIndex;
        for (Port p : sorted) {
            int space = spaceOf(p);
            if (space == 0) {
                byIfIndex[p.ifIndex()] = p;
                continue;
            }
            if (p.ifIndex() > MAX_SPACE_IFINDEX) {
                throw new IllegalArgumentException("port " + p.slotPort() + " (" + p.ifName() + ") has ifindex " + p.ifIndex()
                        + ", above the " + MAX_SPACE_IFINDEX + " a port of a VR namespace may have");
            }
            Port[] a = bySpace[space] == null ? new Port[p.ifIndex() + 1]
                    : bySpace[space].length > p.ifIndex() ? bySpace[space] : java.util.Arrays.copyOf(bySpace[space], p.ifIndex() + 1);
            a[p.ifIndex()] = p;
            bySpace[space] = a;
        }
        Map<String, Vlan> v = new LinkedHashMap<>();
        for (Vlan vlan : vlans) {
            v.put(vlan.name(), vlan);
            byTag[vlan.tag()] = vlan;
        }
        this.vlans = Collections.unmodifiableMap(v);
        this.vrName = vrName;
        this.vrId = vrId;
        this.source = source;
        this.stateByIfIndex = new LinkState[byIfIndex.length];
        java.util.Arrays.fill(stateByIfIndex, LinkState.UNKNOWN);
        if (links != null) {
            for (NetInterface i : links) {
                if (i.index() >= 0 && i.index() < byIfIndex.length && byIfIndex[i.index()] != null) {
                    stateByIfIndex[i.index()] = LinkState.of(i);
                }
            }
        }
    }

    /** This model with the link state of each port taken from {@code interfaces} (as listed with it). */
    DataPlaneModel withLinks(List<NetInterface> interfaces) {
        return new DataPlaneModel(ports, List.copyOf(vlans.values()), vrName, vrId, source, interfaces, places);
    }

    /** This model with another description of how its port map was made. */
    DataPlaneModel withSource(String newSource, List<NetInterface> interfaces) {
        return new DataPlaneModel(ports, List.copyOf(vlans.values()), vrName, vrId, newSource, interfaces, places);
    }

    /**
     * The key of a port of space {@code space} with ifindex {@code ifIndex}: the ifindex itself in space
     * 0 (the data plane's namespace), the space above {@value #SPACE_SHIFT} bits of ifindex otherwise.
     */
    public static int key(int space, int ifIndex) {
        return space == 0 ? ifIndex : (space << SPACE_SHIFT) | ifIndex;
    }

    /** The key of port {@code p} of this model ({@link #key(int, int)}). */
    public int keyOf(Port p) {
        return key(spaceOf(p), p.ifIndex());
    }

    /** The port with this {@link #key}, or null (allocation-free). */
    public Port portByKey(int key) {
        int space = key >>> SPACE_SHIFT;
        if (space == 0) {
            return portByIfIndex(key);
        }
        Port[] a = space < bySpace.length ? bySpace[space] : null;
        int i = key & MAX_SPACE_IFINDEX;
        return a != null && i < a.length ? a[i] : null;
    }

    /** The space (namespace index of the {@link DataPlane}) port {@code p} lives in; 0: the data plane's namespace. */
    public int spaceOf(Port p) {
        Place pl = places.get(p.slotPort());
        return pl == null ? 0 : pl.space();
    }

    /** The VR id of port {@code p}: the one its port entry named, or the data plane's (allocation-free). */
    public int vrIdOf(Port p) {
        Place pl = places.get(p.slotPort());
        return pl == null ? vrId : pl.vrId();
    }

    /** The ports of VR {@code vrId} (those whose port entry named it, or all others when it is the data plane's VR). */
    public List<Port> portsOfVr(int vrId) {
        List<Port> l = new ArrayList<>();
        for (Port p : ports) {
            if (vrIdOf(p) == vrId) {
                l.add(p);
            }
        }
        return List.copyOf(l);
    }

    /** The ports living in space {@code space}. */
    public List<Port> portsInSpace(int space) {
        List<Port> l = new ArrayList<>();
        for (Port p : ports) {
            if (spaceOf(p) == space) {
                l.add(p);
            }
        }
        return List.copyOf(l);
    }

    /** The spaces that have ports, ascending (0 first if it has any). */
    public int[] spaces() {
        return ports.stream().mapToInt(this::spaceOf).distinct().sorted().toArray();
    }

    /** True if some port lives outside the data plane's namespace. */
    public boolean hasVrSpaces() {
        return hasVrSpaces; // a field: the send path asks at every send
    }

    /** The link state of port {@code p} when this model was made. */
    public LinkState linkState(Port p) {
        Place pl = places.get(p.slotPort());
        if (pl != null && pl.space() != 0) {
            return pl.state() == null ? LinkState.UNKNOWN : pl.state();
        }
        int i = p.ifIndex();
        return i >= 0 && i < stateByIfIndex.length && byIfIndex[i] != null ? stateByIfIndex[i] : LinkState.UNKNOWN;
    }

    /**
     * True if {@code other} has the same ports (slot:port, interface, ifindex, MAC, VR), VLANs and VR:
     * what filters, nftables chains and capture links depend on. MTU and link state may differ.
     */
    public boolean sameTopology(DataPlaneModel other) {
        if (other == null || ports.size() != other.ports.size() || vrId != other.vrId || !vrName.equals(other.vrName)
                || !vlans.equals(other.vlans) || !source.equals(other.source)) {
            return false;
        }
        for (int k = 0; k < ports.size(); k++) {
            Port a = ports.get(k);
            Port b = other.ports.get(k);
            if (!a.slotPort().equals(b.slotPort()) || !a.ifName().equals(b.ifName()) || a.ifIndex() != b.ifIndex()
                    || !a.mac().equals(b.mac()) || !a.vr().equals(b.vr()) || spaceOf(a) != other.spaceOf(b)
                    || vrIdOf(a) != other.vrIdOf(b)) {
                return false;
            }
        }
        return true;
    }

    /** True if {@code other} has the same topology and every port the same MTU and link state. */
    public boolean sameLinks(DataPlaneModel other) {
        if (!sameTopology(other)) {
            return false;
        }
        for (int k = 0; k < ports.size(); k++) {
            Port a = ports.get(k);
            Port b = other.ports.get(k);
            if (a.mtu() != b.mtu() || linkState(a) != other.linkState(b)) {
                return false;
            }
        }
        return true;
    }

    /** The largest MTU of the ports (1500 if there is none): what a receive slot must hold. */
    public int maxMtu() {
        int m = 1500;
        for (Port p : ports) {
            m = Math.max(m, p.mtu());
        }
        return m;
    }

    public List<Port> ports() {
        return ports;
    }

    public List<Vlan> vlans() {
        return List.copyOf(vlans.values());
    }

    /** The port on this ifindex of the data plane's own namespace (space 0), or null if the interface is not a port (allocation-free). */
    public Port portByIfIndex(int ifIndex) {
        return ifIndex >= 0 && ifIndex < byIfIndex.length ? byIfIndex[ifIndex] : null;
    }

    /** The VLAN configured with this tag, or null (allocation-free). */
    public Vlan vlanByTag(int tag) {
        return tag >= 0 && tag < byTag.length ? byTag[tag] : null;
    }

    /** The port, or an IllegalArgumentException naming the unknown slot:port and the known ones. */
    public Port port(SlotPort slotPort) {
        Port p = bySlotPort.get(slotPort);
        if (p == null) {
            throw new IllegalArgumentException("unknown slot:port " + slotPort + " (the data plane's ports are "
                    + describePorts() + ")");
        }
        return p;
    }

    /** The VLAN, or an IllegalArgumentException naming the unknown name and the known ones. */
    public Vlan vlan(String name) {
        Vlan v = name == null ? null : vlans.get(name);
        if (v == null) {
            throw new IllegalArgumentException("unknown VLAN \"" + name + "\" (configured VLANs: "
                    + (vlans.isEmpty() ? "none" : String.join(", ", vlans.keySet())) + ")");
        }
        return v;
    }

    public String describePorts() {
        if (ports.isEmpty()) {
            return "none";
        }
        return ports.stream().map(p -> p.slotPort().toString()).collect(Collectors.joining(", "));
    }

    public String vrName() {
        return vrName;
    }

    public int vrId() {
        return vrId;
    }

    /** How the port map was made: "default numbering", "configuration", or why there is no port. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "data plane " + vrName + " (" + ports.size() + " ports, " + vlans.size() + " VLANs, " + source + ")";
    }
}
