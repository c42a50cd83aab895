package expkt.provider.command;

import expkt.api.operator.Printable;
import expkt.api.runtime.DataPlaneDTO;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.FdbDTO;
import expkt.api.runtime.FdbEntryDTO;
import expkt.api.runtime.FilterDTO;
import expkt.api.runtime.PortDTO;
import expkt.api.runtime.SocketDTO;
import expkt.api.runtime.VlanDTO;
import expkt.api.runtime.VlanMembershipDTO;
import expkt.api.runtime.VrSocketDTO;
import expkt.provider.runtime.RuntimeSnapshots;
import expkt.provider.socket.L2Engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The text of the Gogo commands, printed from the runtime DTOs ({@link ExpktRuntime}); kept apart
 * from the component so it is testable outside OSGi (the {@link L2Engine} overloads take the
 * snapshots of an engine without OSGi).
 */
public final class L2Tables {
    private L2Tables() {
    }

    /**
     * {@code expkt:acl}: every filter on the host (the seed's "show access-list"). STATE says what the
     * data plane does for it: {@code enforced}, {@code NOT ENFORCED} or {@code STALE} (the reason follows
     * the table; NOT ENFORCED also for a filter whose ports include VR namespaces' ports on the degrade
     * path, which taps the data-plane namespace only); PACKETS/BYTES are {@code -} where no nft rule
     * counts (nftables unavailable).
     *
     * @throws IOException if the nftables counters cannot be read
     */
    public static String acl(ExpktRuntime runtime) throws IOException {
        List<FilterDTO> filters;
        try {
            filters = runtime.filters();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        DataPlaneDTO dp = runtime.dataPlane();
        Tables t = new Tables("STATE", "NAME", "OWNER", "SOCKET", "MATCH", "ACTION", "DIRECTION", "VR", "PACKETS", "BYTES");
        StringBuilder why = new StringBuilder();
        for (FilterDTO f : filters) {
            if (f.reason != null) {
                why.append("  ").append(f.name).append(": ").append(f.state).append(": ").append(f.reason).append('\n');
            }
            t.row(f.state, f.name, f.owner, "#" + f.socketId, f.match, f.action, f.direction,
                    f.vr == null ? "all" : f.vr, f.counted ? f.packets : "-", f.counted ? f.bytes : "-");
        }
        String unavailable = dropRulesUnavailableText(dp);
        return t.toString() + why + t.size() + " filter(s); "
                + (unavailable == null ? "nftables table netdev expkt in " + dp.namespace
                : unavailable + " (in " + dp.namespace + ")") + "\n";
    }

    /** {@link #acl(ExpktRuntime)} of an engine outside OSGi. */
    public static String acl(L2Engine engine) throws IOException {
        return acl(RuntimeSnapshots.of(engine, null));
    }

    /** The line the commands print when drop rules are unavailable, or null (as {@code L2Engine.dropRulesUnavailableText}). */
    static String dropRulesUnavailableText(DataPlaneDTO dp) {
        return dp.dropRulesUnavailable == null ? null
                : "drop rules (UP_AND_DROP, EGRESS capture links) unavailable: " + dp.dropRulesUnavailable;
    }

    /**
     * {@code expkt:ports}: slot:port, interface, ifindex, MAC, MTU, link state, VR, VLANs (MTU and state
     * as the kernel last announced them); why there is no port, if there is none; configuration and
     * link-following errors.
     */
    public static String ports(ExpktRuntime runtime) {
        DataPlaneDTO dp = runtime.dataPlane();
        Tables t = new Tables("PORT", "INTERFACE", "IFINDEX", "MAC", "MTU", "STATE", "VR", "VLANS");
        for (PortDTO p : runtime.ports()) {
            String vlans = vlanColumn(p.vlans);
            t.row(p.slotPort, p.ifName, p.ifIndex, p.mac, p.mtu, p.operState, p.vr, vlans.isEmpty() ? "-" : vlans);
        }
        String unavailable = dropRulesUnavailableText(dp);
        return t.toString() + t.size() + " port(s) in " + dp.namespace + " (" + dp.modelSource + ")\n"
                + "receive ring of sockets opened from now on: " + dp.ringBlocks + " blocks of " + dp.ringBlockSize
                + " bytes, retired after " + dp.ringRetireMillis + " ms\n"
                // escaped: the reason quotes the configuration's own text
                + (dp.configurationRejected == null ? ""
                : "last configuration REJECTED (the previous one stays in force): " + Printable.escape(dp.configurationRejected) + "\n")
                + (dp.linkError == null ? "" : "FOLLOWING LINK CHANGES FAILED: " + Printable.escape(dp.linkError) + "\n")
                + (unavailable == null ? "" : unavailable + "\n");
    }

    /** {@link #ports(ExpktRuntime)} of an engine outside OSGi. */
    public static String ports(L2Engine engine) {
        return ports(RuntimeSnapshots.of(engine, null));
    }

    /** {@code expkt:vlans}: name, tag, tagged and untagged members. */
    public static String vlans(ExpktRuntime runtime) {
        Tables t = new Tables("NAME", "TAG", "TAGGED", "UNTAGGED");
        for (VlanDTO v : runtime.vlans()) {
            t.row(v.name, v.tag, join(v.tagged), join(v.untagged));
        }
        return t.toString() + t.size() + " VLAN(s)\n";
    }

    /** {@link #vlans(ExpktRuntime)} of an engine outside OSGi. */
    public static String vlans(L2Engine engine) {
        return vlans(RuntimeSnapshots.of(engine, null));
    }

    private static String join(List<String> ports) {
        return ports.isEmpty() ? "-" : String.join(",", ports);
    }

    /**
     * {@code expkt:fdb}: the forwarding database VLAN sends forward by: MAC, the tag it was seen with
     * ({@code -}: none), the VLANs a send to it forwards in, port, interface, source ({@code kernel}: the
     * bridge's FDB; {@code learned}: from received frames), age; then whether the kernel's FDB is
     * followed, the aging time, and how many VLAN sends were forwarded to one port or flooded.
     */
    public static String fdb(ExpktRuntime runtime) {
        FdbDTO d = runtime.fdb();
        Tables t = new Tables("MAC", "TAG", "VLANS", "PORT", "INTERFACE", "SOURCE", "AGE");
        for (FdbEntryDTO e : d.entries) {
            t.row(e.mac, e.tag < 0 ? "-" : e.tag, e.vlans.isEmpty() ? "-" : String.join(",", e.vlans),
                    e.port == null ? "-" : e.port, e.ifName, e.source, String.format("%.1f s", e.ageMillis / 1000.0));
        }
        return t.toString() + t.size() + " entr" + (t.size() == 1 ? "y" : "ies") + "; kernel bridge FDB: "
                + (d.followsKernel ? "followed (rtnetlink)" : "NOT FOLLOWED: " + Printable.escape(d.kernelError))
                + "; learned from received frames: " + d.learned + ", aged after " + d.agingMillis / 1000 + " s"
                + (d.tableFull == 0 ? "" : ", TABLE FULL " + d.tableFull + " time(s) (those addresses are flooded to)")
                + "\nVLAN sends: " + d.forwardedSends + " forwarded to one port, " + d.floodedSends + " flooded\n";
    }

    /** {@link #fdb(ExpktRuntime)} of an engine outside OSGi. */
    public static String fdb(L2Engine engine) {
        return fdb(RuntimeSnapshots.of(engine, null));
    }

    /**
     * {@code expkt:sockets}: open L2 sockets, owner, filters, mode, counters; then, when the VR registry
     * has any, the L3 and raw IP sockets of the VRs ({@link ExpktRuntime#vrSockets()}).
     */
    public static String sockets(ExpktRuntime runtime) {
        Tables t = new Tables("SOCKET", "OWNER", "FILTERS", "MODE", "CALLBACK", "RECEIVED", "DROPS", "POLL_US");
        for (SocketDTO s : runtime.sockets()) {
            t.row("#" + s.id, s.owner, s.filters.isEmpty() ? "-" : String.join(",", s.filters),
                    s.blocking ? "blocking" : "non-blocking",
                    s.parked ? "parked " + s.parkedMillis + " ms" : (s.callback ? "yes" : "no")
                            + (s.revisions > 1 ? " (adopted #" + s.adoptedFrom + ", revision " + s.revisions + ")" : ""),
                    s.frames, s.kernelDrops,
                    s.busyPollMicros);
        }
        DataPlaneDTO dp = runtime.dataPlane();
        String l2 = t.toString() + t.size() + " socket(s); dispatch lanes: " + dp.dispatchCalls + " calls, "
                + dp.dispatchErrors + " threw\n";
        List<VrSocketDTO> vrSockets = runtime.vrSockets();
        if (vrSockets.isEmpty()) {
            return l2;
        }
        Tables v = new Tables("KIND", "VR", "OWNER", "PROTO", "LOCAL", "REMOTE", "CALLBACK", "RECEIVED");
        for (VrSocketDTO s : vrSockets) {
            v.row(s.kind, s.vr + "(" + s.vrId + ")", s.owner,
                    s.transport + (s.kind.equals(VrSocketDTO.RAW) ? " " + s.ipProtocol : "") + (s.family == null ? "" : " " + s.family),
                    s.localAddress == null ? "unbound" : s.localAddress, s.remoteAddress == null ? "-" : s.remoteAddress,
                    s.callback ? s.lane : "no", s.received < 0 ? "-" : String.valueOf(s.received));
        }
        return l2 + "\nL3 and raw IP sockets of the VRs:\n" + v + v.size() + " socket(s)\n";
    }

    /** {@link #sockets(ExpktRuntime)} of an engine outside OSGi. */
    public static String sockets(L2Engine engine) {
        return sockets(RuntimeSnapshots.of(engine, null));
    }

    /** The VLANS column of a port: {@code name(tag,tagged|untagged)}, space-separated. */
    private static String vlanColumn(List<VlanMembershipDTO> vlans) {
        return vlans.stream().map(v -> v.vlan + "(" + v.tag + (v.tagged ? ",tagged" : ",untagged") + ")")
                .collect(Collectors.joining(" "));
    }
}
