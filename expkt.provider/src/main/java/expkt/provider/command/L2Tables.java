package expkt.provider.command;

import expkt.api.packet.Filter;
import expkt.api.packet.Port;
import expkt.api.packet.Vlan;
import expkt.provider.dataplane.DataPlaneModel;
import expkt.provider.socket.FilterRegistry;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;

import java.io.IOException;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The text of the Gogo commands, from an {@link L2Engine} (kept apart from the component so it is
 * testable outside OSGi).
 */
public final class L2Tables {
    private L2Tables() {
    }

    /** {@code expkt:acl}: every filter on the host (the seed's "show access-list"). */
    public static String acl(L2Engine engine) throws IOException {
        Map<String, long[]> counters = engine.counters();
        Tables t = new Tables("NAME", "OWNER", "SOCKET", "MATCH", "ACTION", "DIRECTION", "VR", "PACKETS", "BYTES");
        for (FilterRegistry.Entry e : engine.registry().entries()) {
            Filter f = e.filter();
            long[] c = counters.getOrDefault(f.name(), new long[2]);
            t.row(f.name(), e.socket().owner(), "#" + e.socket().id(), f.describeMatch(), f.action(), f.direction(),
                    f.vr() == null ? "all" : f.vr(), c[0], c[1]);
        }
        return t.toString() + t.size() + " filter(s); nftables table netdev expkt in " + engine.dataPlane().describeNamespace() + "\n";
    }

    /** {@code expkt:ports}: slot:port, interface, ifindex, MAC, MTU, VR, VLANs. */
    public static String ports(L2Engine engine) {
        DataPlaneModel m = engine.model();
        Tables t = new Tables("PORT", "INTERFACE", "IFINDEX", "MAC", "MTU", "VR", "VLANS");
        for (Port p : m.ports()) {
            String vlans = m.vlans().stream()
                    .filter(v -> v.tagged().contains(p.slotPort()) || v.untagged().contains(p.slotPort()))
                    .map(v -> v.name() + "(" + v.tag() + (v.tagged().contains(p.slotPort()) ? ",tagged" : ",untagged") + ")")
                    .collect(Collectors.joining(" "));
            t.row(p.slotPort(), p.ifName(), p.ifIndex(), p.mac(), p.mtu(), p.vr(), vlans.isEmpty() ? "-" : vlans);
        }
        String err = engine.dataPlane().lastError();
        return t.toString() + t.size() + " port(s) in " + engine.dataPlane().describeNamespace() + " (" + m.source() + ")\n"
                + (err == null ? "" : "last configuration REJECTED: " + err + "\n");
    }

    /** {@code expkt:vlans}: name, tag, tagged and untagged members. */
    public static String vlans(L2Engine engine) {
        Tables t = new Tables("NAME", "TAG", "TAGGED", "UNTAGGED");
        for (Vlan v : engine.model().vlans()) {
            t.row(v.name(), v.tag(), join(v.tagged()), join(v.untagged()));
        }
        return t.toString() + t.size() + " VLAN(s)\n";
    }

    private static String join(java.util.Set<expkt.api.net.SlotPort> s) {
        return s.isEmpty() ? "-" : s.stream().sorted().map(Object::toString).collect(Collectors.joining(","));
    }

    /** {@code expkt:sockets}: open sockets, owner, filters, mode, counters. */
    public static String sockets(L2Engine engine) {
        Tables t = new Tables("SOCKET", "OWNER", "FILTERS", "MODE", "CALLBACK", "RECEIVED", "DROPS");
        for (PacketSocketImpl s : engine.sockets()) {
            t.row("#" + s.id(), s.owner(), s.filters().isEmpty() ? "-" : s.filters().stream().map(Filter::name).collect(Collectors.joining(",")),
                    s.isBlocking() ? "blocking" : "non-blocking", s.hasCallback() ? "yes" : "no", s.received(), s.drops());
        }
        return t.toString() + t.size() + " socket(s); dispatch lanes: " + engine.dispatcher().calls() + " calls, "
                + engine.dispatcher().errors() + " threw\n";
    }
}
