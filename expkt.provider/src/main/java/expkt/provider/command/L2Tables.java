package expkt.provider.command;

import expkt.api.operator.Printable;
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

    /**
     * {@code expkt:acl}: every filter on the host (the seed's "show access-list"). STATE says what the
     * data plane does for it: {@code enforced}, {@code NOT ENFORCED} or {@code STALE} (the reason follows
     * the table); PACKETS/BYTES are {@code -} where no nft rule counts (nftables unavailable).
     */
    public static String acl(L2Engine engine) throws IOException {
        Map<String, long[]> counters = engine.counters();
        boolean counted = engine.dropRulesUnavailable() == null;
        Tables t = new Tables("STATE", "NAME", "OWNER", "SOCKET", "MATCH", "ACTION", "DIRECTION", "VR", "PACKETS", "BYTES");
        StringBuilder why = new StringBuilder();
        for (FilterRegistry.Entry e : engine.registry().entries()) {
            Filter f = e.filter();
            long[] c = counters.getOrDefault(f.name(), new long[2]);
            String state = e.socket().filterState(f.name());
            int colon = state.indexOf(": ");
            if (colon > 0) {
                why.append("  ").append(f.name()).append(": ").append(state).append('\n');
                state = state.substring(0, colon);
            }
            t.row(state, f.name(), e.socket().owner(), "#" + e.socket().id(), f.describeMatch(), f.action(), f.direction(),
                    f.vr() == null ? "all" : f.vr(), counted ? c[0] : "-", counted ? c[1] : "-");
        }
        String unavailable = engine.dropRulesUnavailableText();
        return t.toString() + why + t.size() + " filter(s); "
                + (unavailable == null ? "nftables table netdev expkt in " + engine.dataPlane().describeNamespace()
                : unavailable + " (in " + engine.dataPlane().describeNamespace() + ")") + "\n";
    }

    /**
     * {@code expkt:ports}: slot:port, interface, ifindex, MAC, MTU, link state, VR, VLANs (MTU and state
     * as the kernel last announced them); why there is no port, if there is none; configuration and
     * link-following errors.
     */
    public static String ports(L2Engine engine) {
        DataPlaneModel m = engine.model();
        Tables t = new Tables("PORT", "INTERFACE", "IFINDEX", "MAC", "MTU", "STATE", "VR", "VLANS");
        for (Port p : m.ports()) {
            String vlans = m.vlans().stream()
                    .filter(v -> v.tagged().contains(p.slotPort()) || v.untagged().contains(p.slotPort()))
                    .map(v -> v.name() + "(" + v.tag() + (v.tagged().contains(p.slotPort()) ? ",tagged" : ",untagged") + ")")
                    .collect(Collectors.joining(" "));
            t.row(p.slotPort(), p.ifName(), p.ifIndex(), p.mac(), p.mtu(), m.linkState(p), p.vr(), vlans.isEmpty() ? "-" : vlans);
        }
        String err = engine.dataPlane().lastError();
        String linkErr = engine.dataPlane().linkError();
        String unavailable = engine.dropRulesUnavailableText();
        L2Engine.RingConfig ring = engine.ringConfig();
        return t.toString() + t.size() + " port(s) in " + engine.dataPlane().describeNamespace() + " (" + m.source() + ")\n"
                + "receive ring of sockets opened from now on: " + ring.blockNr() + " blocks of " + ring.blockSize()
                + " bytes, retired after " + ring.retireMillis() + " ms\n"
                // escaped: the reason quotes the configuration's own text
                + (err == null ? "" : "last configuration REJECTED (the previous one stays in force): " + Printable.escape(err) + "\n")
                + (linkErr == null ? "" : "FOLLOWING LINK CHANGES FAILED: " + Printable.escape(linkErr) + "\n")
                + (unavailable == null ? "" : unavailable + "\n");
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
