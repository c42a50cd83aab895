package expkt.provider.dataplane;

import expkt.api.net.SlotPort;
import expkt.api.packet.Port;
import expkt.api.packet.Vlan;

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
 * are this model's own.
 *
 * <p>Threading: immutable; replaced as a whole when the configuration or the interfaces change.
 */
public final class DataPlaneModel {
    private final List<Port> ports;
    private final Map<SlotPort, Port> bySlotPort;
    private final Port[] byIfIndex;
    private final Map<String, Vlan> vlans;
    private final Vlan[] byTag = new Vlan[4096];
    private final String vrName;
    private final int vrId;
    private final String source;

    DataPlaneModel(List<Port> ports, List<Vlan> vlans, String vrName, int vrId, String source) {
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

    /** How the port map was made: "default numbering" or "configuration". */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "data plane " + vrName + " (" + ports.size() + " ports, " + vlans.size() + " VLANs, " + source + ")";
    }
}
