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

    private final List<Port> ports;
    private final Map<SlotPort, Port> bySlotPort;
    private final Port[] byIfIndex;
    private final Map<String, Vlan> vlans;
    private final Vlan[] byTag = new Vlan[4096];
    private final String vrName;
    private final int vrId;
    private final String source;
    private final LinkState[] stateByIfIndex;

    DataPlaneModel(List<Port> ports, List<Vlan> vlans, String vrName, int vrId, String source) {
        this(ports, vlans, vrName, vrId, source, null);
    }

    private DataPlaneModel(List<Port> ports, List<Vlan> vlans, String vrName, int vrId, String source, List<NetInterface> links) {
        List<Port> sorted = new ArrayList<>(ports);
        Collections.sort(sorted, (a, b) -> a.slotPort().compareTo(b.slotPort()));
        this.ports = List.copyOf(sorted);
        Map<SlotPort, Port> m = new LinkedHashMap<>();
        int maxIndex = 0;
        for (Port p : sorted) {
            m.put(p.slotPort(), p);
            maxIndex = Math.max(maxIndex, p.ifIndex());
        }
        this.bySlotPort = Collections.unmodifiableMap(m);
        this.byIfIndex = new Port[maxIndex + 1];
        for (Port p : sorted) {
            byIfIndex[p.ifIndex()] = p;
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
        return new DataPlaneModel(ports, List.copyOf(vlans.values()), vrName, vrId, source, interfaces);
    }

    /** This model with another description of how its port map was made. */
    DataPlaneModel withSource(String newSource, List<NetInterface> interfaces) {
        return new DataPlaneModel(ports, List.copyOf(vlans.values()), vrName, vrId, newSource, interfaces);
    }

    /** The link state of port {@code p} when this model was made. */
    public LinkState linkState(Port p) {
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
                    || !a.mac().equals(b.mac()) || !a.vr().equals(b.vr())) {
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

    /** The port on this ifindex, or null if the interface is not a port (allocation-free). */
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
