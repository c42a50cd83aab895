package expkt.provider;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Expkt;
import expkt.api.packet.Filter;
import expkt.api.packet.Port;
import expkt.api.runtime.PortDTO;
import expkt.api.spi.BundleIdentity;
import expkt.lab.Host;
import expkt.lab.Lab;
import expkt.lab.Topologies;
import expkt.lab.VrDataPlane;
import expkt.provider.command.L2Tables;
import expkt.provider.core.ProviderLog;
import expkt.provider.core.VrScope;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.dataplane.DataPlaneModel;
import expkt.provider.runtime.RuntimeSnapshots;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A VR-aware data plane ({@link Topologies#vrDataPlane()}): two ports in the switch namespace
 * (VR-Default, 1:1 1:2), two in VR-A's namespace (2:1 2:2), two in VR-B's (3:1 3:2), named alike
 * ({@code p1 p2}) in every namespace; real frames from and to the far hosts.
 */
class VrDataPlaneTest {
    static final BundleIdentity OWNER = BundleIdentity.outsideOsgi("test");
    static final int ET = 0x88B6;
    static VrDataPlane topo;
    static Lab lab;
    DataPlane dataPlane;
    L2Engine engine;
    final List<AutoCloseable> closeAfter = new ArrayList<>();

    /** VR-Default (2, the switch namespace), VR-A (10) and VR-B (11), as the VR registry would know them. */
    static final VrScope SCOPE = new VrScope() {
        @Override
        public Vr byName(String name) {
            return switch (name == null ? "" : name.toUpperCase(Locale.ROOT)) {
                case "VR-DEFAULT" -> new Vr(2, "VR-Default", true);
                case "VR-A" -> new Vr(VrDataPlane.VR_A_ID, VrDataPlane.VR_A, true);
                case "VR-B" -> new Vr(VrDataPlane.VR_B_ID, VrDataPlane.VR_B, true);
                default -> throw new IllegalArgumentException("unknown VR \"" + name + "\"");
            };
        }

        @Override
        public Vr byId(int id) {
            return switch (id) {
                case 2 -> byName("VR-Default");
                case VrDataPlane.VR_A_ID -> byName(VrDataPlane.VR_A);
                case VrDataPlane.VR_B_ID -> byName(VrDataPlane.VR_B);
                default -> throw new IllegalArgumentException("unknown VR id " + id);
            };
        }
    };

    @BeforeAll
    static void startLab() {
        Lab.cleanStale();
        topo = Topologies.vrDataPlane();
        lab = topo.lab();
    }

    @AfterAll
    static void stopLab() {
        if (topo != null) {
            topo.close();
        }
    }

    /** Where the registry would say VR-A and VR-B live: the topology's namespaces. */
    static DataPlane.VrLocation locate(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "VR-A" -> new DataPlane.VrLocation(VrDataPlane.VR_A, VrDataPlane.VR_A_ID, topo.vra());
            case "VR-B" -> new DataPlane.VrLocation(VrDataPlane.VR_B, VrDataPlane.VR_B_ID, topo.vrb());
            default -> throw new IllegalArgumentException("unknown VR \"" + name + "\" (known: VR-A, VR-B)");
        };
    }

    L2Engine start() throws Exception {
        return start(new String[0]);
    }

    L2Engine start(String[] vlans) throws Exception {
        dataPlane = new DataPlane(lab.switchNs(), "VR-Default", 2);
        dataPlane.vrLocator(VrDataPlaneTest::locate);
        dataPlane.configure(topo.portEntries(), vlans);
        engine = new L2Engine(dataPlane, SCOPE, L2Engine.RingConfig.DEFAULT, ProviderLog.system("expkt.provider.test"));
        return engine;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
        closeAfter.clear();
        if (engine != null) {
            engine.close();
            engine = null;
        }
        if (dataPlane != null) {
            dataPlane.close();
            dataPlane = null;
        }
    }

    Wire wire(String ns) throws Exception {
        Wire w = Wire.on(ns);
        closeAfter.add(w);
        return w;
    }

    PacketSocketImpl socket(Filter f) throws Exception {
        PacketSocketImpl s = engine.open(OWNER);
        closeAfter.add(0, s::close);
        s.setTimeout(Duration.ofMillis(2000));
        s.setupFilter(f);
        return s;
    }

    @Test
    void portsLiveInTheirVrsNamespacesAndShowTheirVr() throws Exception {
        start();
        DataPlaneModel m = engine.model();
        assertEquals("1:1, 1:2, 2:1, 2:2, 3:1, 3:2", m.describePorts());
        Map<String, String> vrOf = new HashMap<>();
        for (Port p : m.ports()) {
            vrOf.put(p.slotPort().toString(), p.vr() + "/" + m.vrIdOf(p) + "/" + p.ifName());
        }
        assertEquals(Map.of("1:1", "VR-Default/2/p1", "1:2", "VR-Default/2/p2", "2:1", "VR-A/10/p1", "2:2", "VR-A/10/p2",
                "3:1", "VR-B/11/p1", "3:2", "VR-B/11/p2"), vrOf);
        // each port is the interface of its own namespace: the MAC says which
        assertEquals(topo.hostsA().get(0).switchMac().toLowerCase(Locale.ROOT),
                m.port(SlotPort.parse("2:1")).mac().toString().toLowerCase(Locale.ROOT));
        assertEquals(topo.hostsB().get(1).switchMac().toLowerCase(Locale.ROOT),
                m.port(SlotPort.parse("3:2")).mac().toString().toLowerCase(Locale.ROOT));
        assertEquals(lab.host(1).switchMac().toLowerCase(Locale.ROOT),
                m.port(SlotPort.parse("1:1")).mac().toString().toLowerCase(Locale.ROOT));
        // the ports DTO (expkt.api.runtime) and expkt:ports show each port's VR
        List<PortDTO> dtos = new RuntimeSnapshots(engine, () -> null, RuntimeSnapshots.ServiceIds.NONE, () -> null, null).ports();
        Map<String, String> dtoVr = new HashMap<>();
        for (PortDTO d : dtos) {
            dtoVr.put(d.slotPort, d.vr);
        }
        assertEquals(Map.of("1:1", "VR-Default", "1:2", "VR-Default", "2:1", "VR-A", "2:2", "VR-A", "3:1", "VR-B", "3:2", "VR-B"), dtoVr);
        String table = L2Tables.ports(engine);
        assertTrue(table.lines().anyMatch(l -> l.contains("3:2") && l.contains("VR-B")), table);
        // each VR namespace got the provider's nftables table and punt links, the switch namespace its own
        for (String ns : List.of(topo.vra(), topo.vrb(), lab.switchNs())) {
            String links = lab.exec(ns, "ip", "-o", "link", "show").check().stdout();
            assertTrue(links.contains("expktci") && links.contains("expktc"), ns + ": " + links);
            String rules = lab.exec(ns, "nft", "list", "table", "netdev", "expkt").check().stdout();
            assertTrue(rules.contains("ingress_p1") || rules.contains("p1"), ns + ": " + rules);
        }
    }

    @Test
    void vrFilterSeesExactlyItsVrsPortsWithTheRightAddress() throws Exception {
        start();
        PacketSocketImpl all = socket(Filter.named("vrdp-all").ethertype(ET).build());
        PacketSocketImpl b = socket(Filter.named("vrdp-b").ethertype(ET).vr(VrDataPlane.VR_B).build());
        PacketSocketImpl a = socket(Filter.named("vrdp-a").ethertype(ET).vr(VrDataPlane.VR_A).build());
        PacketSocketImpl soB = engine.open(OWNER);
        closeAfter.add(0, soB::close);
        soB.setTimeout(Duration.ofMillis(2000));
        soB.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID, VrDataPlane.VR_B_ID);
        soB.setupFilter(Filter.named("vrdp-sovrid-b").ethertype(ET).build());

        Host a1 = topo.hostsA().get(0);
        Host b2 = topo.hostsB().get(1);
        byte[] fromA = Wire.frame("02:00:00:00:ff:ff", "02:00:00:00:0a:01", ET, 64);
        byte[] fromB = Wire.frame("02:00:00:00:ff:ff", "02:00:00:00:0b:02", ET, 64);
        byte[] fromDefault = Wire.frame("02:00:00:00:ff:ff", "02:00:00:00:0d:01", ET, 64);
        wire(a1.ns()).send(fromA);
        wire(b2.ns()).send(fromB);
        wire(lab.host(1).ns()).send(fromDefault);

        // without vr= (the socket's VR unset) every port: all three, each with its port and VR
        Map<String, ExosSockAddr> seen = receiveAll(all, 3);
        assertEquals(3, seen.size(), "frames seen without vr=: " + seen.keySet());
        assertAddress(seen.get("0a:01"), 2, 1, "p1", VrDataPlane.VR_A, VrDataPlane.VR_A_ID);
        assertAddress(seen.get("0b:02"), 3, 2, "p2", VrDataPlane.VR_B, VrDataPlane.VR_B_ID);
        assertAddress(seen.get("0d:01"), 1, 1, "p1", "VR-Default", 2);
        // vr=VR-B, and SO_VRID = VR-B without vr=: B's frame (so B's frames do reach sockets) and nothing else
        assertEquals(List.of("0b:02"), List.copyOf(receiveAll(b, 1).keySet()));
        assertEquals(List.of("0b:02"), List.copyOf(receiveAll(soB, 1).keySet()));
        // vr=VR-A: exactly A's frame, with A's port and VR in the address
        Map<String, ExosSockAddr> onA = receiveAll(a, 1);
        assertEquals(List.of("0a:01"), List.copyOf(onA.keySet()));
        assertAddress(onA.get("0a:01"), 2, 1, "p1", VrDataPlane.VR_A, VrDataPlane.VR_A_ID);
        // the other two were punted (the sockets above got them at the same time): none comes to A, nor more to B
        a.setTimeout(Duration.ofMillis(500));
        b.setTimeout(Duration.ofMillis(200));
        soB.setTimeout(Duration.ofMillis(200));
        byte[] buf = new byte[2048];
        assertEquals(-1, a.recvfrom(buf, new ExosSockAddr()), "a vr=VR-A socket got a frame of another VR");
        assertEquals(-1, b.recvfrom(buf, new ExosSockAddr()));
        assertEquals(-1, soB.recvfrom(buf, new ExosSockAddr()));
    }

    /** Receives {@code n} frames (2 s each at most), keyed by the last two bytes of their source MAC. */
    static Map<String, ExosSockAddr> receiveAll(PacketSocketImpl s, int n) throws Exception {
        Map<String, ExosSockAddr> seen = new java.util.LinkedHashMap<>();
        byte[] buf = new byte[2048];
        ExosSockAddr from = new ExosSockAddr();
        for (int i = 0; i < n; i++) {
            int len = s.recvfrom(buf, from);
            if (len < 0) {
                break;
            }
            seen.put(String.format("%02x:%02x", buf[10] & 0xFF, buf[11] & 0xFF), from.copy());
        }
        return seen;
    }

    static void assertAddress(ExosSockAddr a, int slot, int port, String ifName, String vrName, int vrId) {
        assertTrue(a != null, "no frame");
        assertEquals(slot + ":" + port + " " + ifName + " " + vrName + " " + vrId,
                a.slot() + ":" + a.port() + " " + a.ifName() + " " + a.vrName() + " " + a.vrId(), a.toString());
    }

    @Test
    void sendToAPortOfAVrLeavesFromThatVrsNamespace() throws Exception {
        start();
        PacketSocketImpl s = engine.open(OWNER);
        closeAfter.add(0, s::close);
        Wire h2 = wire(lab.host(2).ns());
        Wire a2 = wire(topo.hostsA().get(1).ns());
        Wire b2 = wire(topo.hostsB().get(1).ns());
        // one send to the three ports named p2 of three namespaces: each far host gets it once (the wires work)
        byte[] everywhere = Wire.frame("02:00:00:00:ee:01", "02:00:00:00:01:01", ET, 80);
        s.sendto(everywhere, SlotPort.parse("1:2"), SlotPort.parse("2:2"), SlotPort.parse("3:2"));
        for (Wire w : List.of(h2, a2, b2)) {
            List<byte[]> got = Wire.withEthertype(w.drain(500), ET);
            assertEquals(1, got.size(), "copies at a far host");
            assertArrayEquals(everywhere, got.get(0));
        }
        // to 3:2 only: out of VR-B's p2, not the switch's p2 nor VR-A's
        byte[] toB = Wire.frame("02:00:00:00:ee:02", "02:00:00:00:01:02", ET, 90);
        s.sendto(toB, SlotPort.parse("3:2"));
        List<byte[]> atB = Wire.withEthertype(b2.drain(500), ET);
        assertEquals(1, atB.size());
        assertArrayEquals(toB, atB.get(0));
        assertEquals(List.of(), Wire.withEthertype(h2.drain(300), ET).stream().map(Arrays::toString).toList());
        assertEquals(List.of(), Wire.withEthertype(a2.drain(300), ET).stream().map(Arrays::toString).toList());
    }

    /** The runtime DTO of port {@code slotPort} (what {@code expkt:ports} prints), or null. */
    PortDTO portDto(String slotPort) {
        return RuntimeSnapshots.of(engine, null).ports().stream().filter(p -> p.slotPort.equals(slotPort)).findFirst().orElse(null);
    }

    boolean portIs(String slotPort, int mtu, String operState) {
        PortDTO p = portDto(slotPort);
        return p != null && p.mtu == mtu && operState.equals(p.operState);
    }

    /**
     * The links of VR namespaces are followed through their own netlink sockets: an MTU change and an
     * {@code ip link set down} of a port in VR-A's / VR-B's namespace show in the DTO and expkt:ports
     * without any configuration or change in the data plane's own namespace (before, they stayed stale
     * until one came). The switch's own p1/p2, named alike, keep their state.
     */
    @Test
    void linkChangesInAVrNamespaceAreFollowed() throws Exception {
        start();
        assertTrue(portIs("2:1", 1500, "up") && portIs("3:2", 1500, "up"), portDto("2:1") + " " + portDto("3:2"));
        try {
            lab.exec(topo.vra(), "ip", "link", "set", "p1", "mtu", "9000").check();
            PortStateTest.await("expkt:ports to show MTU 9000 for 2:1 (VR-A's p1)", () -> portIs("2:1", 9000, "up"),
                    () -> L2Tables.ports(engine));
            assertEquals(9000, engine.model().port(SlotPort.parse("2:1")).mtu(), "the model the send path checks lengths with");
            lab.exec(topo.vrb(), "ip", "link", "set", "p2", "down").check();
            PortStateTest.await("expkt:ports to show 3:2 (VR-B's p2) down", () -> portIs("3:2", 1500, "down"),
                    () -> L2Tables.ports(engine));
            assertTrue(L2Tables.ports(engine).lines().anyMatch(l -> l.contains("3:2") && l.contains("down") && l.contains("VR-B")),
                    L2Tables.ports(engine));
            // the ports named alike elsewhere are other interfaces: unchanged
            assertTrue(portIs("1:1", 1500, "up") && portIs("1:2", 1500, "up") && portIs("3:1", 1500, "up")
                    && portIs("2:2", 1500, "up"), L2Tables.ports(engine));
            lab.exec(topo.vrb(), "ip", "link", "set", "p2", "up").check();
            PortStateTest.await("expkt:ports to show 3:2 up again", () -> portIs("3:2", 1500, "up"), () -> L2Tables.ports(engine));
        } finally {
            lab.exec(topo.vra(), "ip", "link", "set", "p1", "mtu", "1500");
            lab.exec(topo.vrb(), "ip", "link", "set", "p2", "up");
        }
        PortStateTest.await("expkt:ports to show MTU 1500 for 2:1 again", () -> portIs("2:1", 1500, "up"), () -> L2Tables.ports(engine));
        assertEquals(null, dataPlane.linkError());
    }

    /**
     * The degrade path (no nftables, so no punt links: the sockets are packet taps in the data plane's
     * namespace) cannot bring up the frames of VR namespaces' ports. A filter that needs them says so in
     * expkt:acl and the DTO (NOT ENFORCED, naming the ports), instead of showing "enforced": wholly for
     * vr=VR-A (all its ports are in VR-A's namespace), partly for a filter of every VR; a vr=VR-Default
     * filter is enforced. Frames show the states are true: the switch host's frame comes up, VR-A's does not.
     */
    @Test
    void withoutNftablesAFilterOnVrNamespacePortsIsShownNotEnforced() throws Exception {
        System.setProperty("expkt.nftables.library", "/nonexistent/libnftables.so.1");
        System.setProperty("expkt.nftables.binary", "/nonexistent/nft");
        try {
            start();
        } finally {
            System.clearProperty("expkt.nftables.library");
            System.clearProperty("expkt.nftables.binary");
        }
        assertTrue(engine.dropRulesUnavailable() != null, "the degrade path");
        PacketSocketImpl all = socket(Filter.named("deg-all").ethertype(ET).build());
        PacketSocketImpl a = socket(Filter.named("deg-a").ethertype(ET).vr(VrDataPlane.VR_A).build());
        PacketSocketImpl dflt = socket(Filter.named("deg-default").ethertype(ET).vr("VR-Default").build());

        Map<String, expkt.api.runtime.FilterDTO> dtos = new HashMap<>();
        for (expkt.api.runtime.FilterDTO f : RuntimeSnapshots.of(engine, null).filters()) {
            dtos.put(f.name, f);
        }
        expkt.api.runtime.FilterDTO onA = dtos.get("deg-a");
        assertEquals(expkt.api.runtime.FilterDTO.NOT_ENFORCED, onA.state, onA.reason);
        assertTrue(onA.reason.contains("2:1") && onA.reason.contains("2:2") && onA.reason.contains(topo.vra())
                && onA.reason.contains("matches nothing") && onA.reason.contains("/nonexistent/libnftables.so.1"), onA.reason);
        expkt.api.runtime.FilterDTO onAll = dtos.get("deg-all");
        assertEquals(expkt.api.runtime.FilterDTO.NOT_ENFORCED, onAll.state, onAll.reason);
        assertTrue(onAll.reason.contains("2:1") && onAll.reason.contains("3:2") && onAll.reason.contains("only its port(s) 1:1")
                && !onAll.reason.contains("matches nothing"), onAll.reason);
        expkt.api.runtime.FilterDTO onDefault = dtos.get("deg-default");
        assertEquals(expkt.api.runtime.FilterDTO.ENFORCED, onDefault.state, onDefault.reason);
        String acl = L2Tables.acl(engine);
        assertTrue(acl.lines().anyMatch(l -> l.startsWith("NOT ENFORCED") && l.contains("deg-a")), acl);
        assertTrue(acl.lines().anyMatch(l -> l.startsWith("enforced") && l.contains("deg-default")), acl);
        assertTrue(acl.contains("deg-a: NOT ENFORCED: port(s) 2:1"), acl);

        // what the states say: the switch host's frame comes up, VR-A's host's does not
        wire(topo.hostsA().get(0).ns()).send(Wire.frame("02:00:00:00:ff:ff", "02:00:00:00:0a:01", ET, 64));
        wire(lab.host(1).ns()).send(Wire.frame("02:00:00:00:ff:ff", "02:00:00:00:0d:01", ET, 64));
        Map<String, ExosSockAddr> seen = receiveAll(all, 2);
        assertEquals(List.of("0d:01"), List.copyOf(seen.keySet()), "frames on the degrade path");
        assertEquals(List.of("0d:01"), List.copyOf(receiveAll(dflt, 1).keySet()));
        a.setTimeout(Duration.ofMillis(300));
        assertEquals(-1, a.recvfrom(new byte[2048], new ExosSockAddr()), "a vr=VR-A socket got a frame on the degrade path");

        // re-applied with the data plane: without the VR namespaces' ports every filter is what it says, with them again not
        dataPlane.configure(Arrays.stream(topo.portEntries()).filter(e -> !e.contains("vr=")).toArray(String[]::new), new String[0]);
        assertEquals(expkt.api.runtime.FilterDTO.ENFORCED, all.filterState("deg-all"), "without VR-namespace ports");
        dataPlane.configure(topo.portEntries(), new String[0]);
        assertTrue(all.filterState("deg-all").startsWith("NOT ENFORCED: port(s) 2:1"), all.filterState("deg-all"));
        assertTrue(a.filterState("deg-a").contains("matches nothing"), a.filterState("deg-a"));
    }

    /** How many of {@code frames} have source MAC {@code src}. */
    static long from(List<byte[]> frames, String src) {
        byte[] mac = Wire.mac(src);
        return frames.stream().filter(f -> f.length >= 12 && Arrays.equals(Arrays.copyOfRange(f, 6, 12), mac)).count();
    }

    /**
     * The FDB learns on ports of VR namespaces (keyed by space and ifindex) and a VLAN send forwards to
     * one: VLAN va has untagged members 1:1 (the switch's p1), 2:1 and 2:2 (VR-A's p1, p2). A unicast to
     * an address nobody knows floods (every far host sees it: the witnesses work); once VR-A's first host
     * sent a frame a socket received, a unicast to it leaves by 2:1 only, and a broadcast sent after it
     * still reaches all three. Before, learning skipped VR namespaces' ports and the send flooded.
     */
    @Test
    void vlanSendsForwardToALearnedPortOfAVrNamespace() throws Exception {
        start(new String[] {"name=va tag=100 untagged=1:1,2:1,2:2"});
        final int sendEt = 0x88B5;
        String a1Mac = "02:00:00:00:0a:01";
        Wire h1 = wire(lab.host(1).ns());
        Wire a1 = wire(topo.hostsA().get(0).ns());
        Wire a2 = wire(topo.hostsA().get(1).ns());
        PacketSocketImpl s = socket(Filter.named("vrfdb-bait").ethertype(ET).vr(VrDataPlane.VR_A).build());

        s.sendto(Wire.frame(a1Mac, "02:00:00:00:ee:10", sendEt, 100), "va");
        for (Wire w : List.of(h1, a1, a2)) {
            assertEquals(1, from(w.drain(500), "02:00:00:00:ee:10"), "every member got the unknown unicast");
        }
        assertEquals(0, dataPlane.fdb().forwardedSends());

        a1.send(Wire.frame("ff:ff:ff:ff:ff:ff", a1Mac, ET, 64));
        ExosSockAddr got = new ExosSockAddr();
        assertTrue(s.recvfrom(new byte[2048], got) > 0, "the bait frame came up");
        assertAddress(got, 2, 1, "p1", VrDataPlane.VR_A, VrDataPlane.VR_A_ID);
        int key = engine.model().keyOf(engine.model().port(SlotPort.parse("2:1")));
        long mac = Long.parseLong(a1Mac.replace(":", ""), 16);
        PortStateTest.await("the FDB to learn " + a1Mac + " on 2:1", () -> dataPlane.fdb().entries(0).stream()
                .anyMatch(e -> e.mac() == mac && e.port() == key && e.source() == expkt.provider.dataplane.Fdb.Source.LEARNED),
                () -> String.valueOf(dataPlane.fdb().entries(0)));

        s.sendto(Wire.frame(a1Mac, "02:00:00:00:ee:11", sendEt, 110), "va");
        s.sendto(Wire.frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:ee:12", sendEt, 120), "va");
        Map<String, List<byte[]>> at = new HashMap<>();
        at.put("h1", h1.drain(500));
        at.put("a1", a1.drain(500));
        at.put("a2", a2.drain(500));
        for (String h : List.of("h1", "a1", "a2")) {
            assertEquals(1, from(at.get(h), "02:00:00:00:ee:12"), h + " got the broadcast sent after the forwarded frame");
            assertEquals(h.equals("a1") ? 1 : 0, from(at.get(h), "02:00:00:00:ee:11"), "frames to " + a1Mac + " at " + h);
        }
        assertEquals(1, dataPlane.fdb().forwardedSends());

        // expkt:fdb / FdbDTO: the entry names VR-A's port 2:1 and its interface, in VLAN va
        expkt.api.runtime.FdbEntryDTO row = RuntimeSnapshots.of(engine, null).fdb().entries.stream()
                .filter(e -> e.mac.equalsIgnoreCase(a1Mac)).findFirst().orElseThrow();
        assertEquals("2:1 p1 learned [va]", row.port + " " + row.ifName + " " + row.source + " " + row.vlans);
        assertEquals(engine.model().port(SlotPort.parse("2:1")).ifIndex(), row.ifIndex);
    }

    /** The provider's nftables table in namespace {@code ns}, as nft lists it ("" if there is none). */
    static String table(String ns) {
        return lab.exec(ns, "nft", "list", "table", "netdev", "expkt").stdout();
    }

    /**
     * A filter change spanning namespaces is one nft transaction per namespace (switch, VR-A, VR-B in that
     * order). When VR-B's fails (its table was deleted behind the provider's back: a real kernel refusal),
     * the transactions already committed in the switch's and VR-A's namespaces are rolled back: a new
     * filter leaves no rule anywhere (before, its rules stayed in the first two tables, counting and, for
     * UP_AND_DROP, dropping, while its name was released), and a re-apply (SO_VRID) leaves the previous
     * rules in place (before, the switch's were removed while the filter was shown STALE, "the previous
     * rules stay in force").
     */
    @Test
    void aChangeThatFailsInALaterNamespaceIsRolledBackInTheEarlierOnes() throws Exception {
        start();
        PacketSocketImpl s = socket(Filter.named("span-keep").ethertype(0x88B5).build());
        for (String ns : List.of(lab.switchNs(), topo.vra(), topo.vrb())) {
            assertTrue(table(ns).contains("span-keep"), ns + ": " + table(ns));
        }
        lab.exec(topo.vrb(), "nft", "delete", "table", "netdev", "expkt").check();

        java.io.IOException refused = assertThrows(java.io.IOException.class, () -> s.setupFilter(
                Filter.named("span-drop").ethertype(ET).action(expkt.api.packet.FilterAction.UP_AND_DROP).build()));
        assertTrue(refused.getMessage().contains(topo.vrb()), refused.getMessage());
        for (String ns : List.of(lab.switchNs(), topo.vra())) {
            assertTrue(!table(ns).contains("span-drop") && table(ns).contains("span-keep"), "rolled back in " + ns + ": " + table(ns));
        }
        assertEquals(List.of("span-keep"), s.filters().stream().map(Filter::name).toList());
        assertTrue(engine.registry().get("span-drop") == null, "the refused filter's name is free again");

        // a re-apply to VR-A's ports only: the switch's rules would go, VR-A's change, VR-B's fail: all rolled back
        assertThrows(java.io.IOException.class, () -> s.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID, VrDataPlane.VR_A_ID));
        assertTrue(table(lab.switchNs()).contains("span-keep"), "the switch's previous rules are back: " + table(lab.switchNs()));
        assertTrue(table(topo.vra()).contains("span-keep"), table(topo.vra()));
        assertTrue(s.filterState("span-keep").startsWith("STALE"), s.filterState("span-keep"));
        // frames show it: the previous rules on the switch's ports count a frame of p1
        wire(lab.host(1).ns()).send(Wire.frame("02:00:00:00:ff:ff", "02:00:00:00:0d:05", 0x88B5, 64));
        assertEquals(List.of("0d:05"), List.copyOf(receiveAll(s, 1).keySet()));
    }

    @Test
    void aBadVrInAPortEntryIsRefusedNamingIt() throws Exception {
        start();
        String[] before = {engine.model().describePorts()};
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> dataPlane.configure(new String[] {"2:1=p1 vr=VR-X"}, new String[0]));
        assertTrue(unknown.getMessage().contains("VR-X") && unknown.getMessage().contains("2:1=p1 vr=VR-X"), unknown.getMessage());
        IllegalArgumentException badName = assertThrows(IllegalArgumentException.class,
                () -> dataPlane.configure(new String[] {"2:1=p1 vr=a/b"}, new String[0]));
        assertTrue(badName.getMessage().contains("a/b"), badName.getMessage());
        IllegalArgumentException badToken = assertThrows(IllegalArgumentException.class,
                () -> dataPlane.configure(new String[] {"2:1=p1 vrf=VR-A"}, new String[0]));
        assertTrue(badToken.getMessage().contains("vrf=VR-A"), badToken.getMessage());
        IllegalArgumentException noIf = assertThrows(IllegalArgumentException.class,
                () -> dataPlane.configure(new String[] {"2:1=p9 vr=VR-A"}, new String[0]));
        assertTrue(noIf.getMessage().contains("VR-A") && noIf.getMessage().contains("p9"), noIf.getMessage());
        assertEquals(before[0], engine.model().describePorts(), "a refused configuration left the model as it was");
        // without a VR registry only the data plane's own VR is known
        dataPlane.vrLocator(null);
        IllegalArgumentException noRegistry = assertThrows(IllegalArgumentException.class,
                () -> dataPlane.configure(new String[] {"2:1=p1 vr=VR-A"}, new String[0]));
        assertTrue(noRegistry.getMessage().contains("VR-A") && noRegistry.getMessage().contains("expkt.vr"), noRegistry.getMessage());
        // naming the data plane's own VR is the same as naming none
        dataPlane.configure(new String[] {"1:1=p1 vr=VR-Default"}, new String[0]);
        assertEquals("VR-Default", engine.model().port(SlotPort.parse("1:1")).vr());
    }
}
