package expkt.provider;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.RxMode;
import expkt.linux.NetNs;
import expkt.api.runtime.PortDTO;
import expkt.provider.command.L2Tables;
import expkt.provider.runtime.RuntimeSnapshots;
import expkt.provider.dataplane.DataPlane;
import expkt.provider.socket.L2Engine;
import expkt.provider.socket.PacketSocketImpl;
import expkt.provider.core.ProviderLog;
import expkt.provider.core.VrScope;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Port state follows the kernel (issue 12, "Port state goes stale"): a live MTU change and a link
 * going down and up show in the port DTOs {@code expkt:ports} prints, the send length check uses the new MTU, and a
 * latency-mode socket receives a jumbo frame whole — whether it was opened before or after the
 * change. And ports are opt-in (issue 13): without a data-plane namespace or a port list the provider
 * manages no port and says so.
 */
class PortStateTest extends L2ProviderTestBase {
    private static final String DST = "00:e0:2b:00:00:0a";
    private static final String SRC = "02:00:00:00:00:e1";

    static void await(String what, BooleanSupplier done, java.util.function.Supplier<String> state) throws InterruptedException {
        expkt.lab.Deadlines.await(10_000, what, done, state);
    }

    /** The runtime DTO of port {@code slotPort} (what {@code expkt:ports} prints), or null. */
    private PortDTO port(String slotPort) {
        return RuntimeSnapshots.of(engine, null).ports().stream().filter(p -> p.slotPort.equals(slotPort)).findFirst().orElse(null);
    }

    private boolean mtuIs(String slotPort, int mtu) {
        PortDTO p = port(slotPort);
        return p != null && p.mtu == mtu;
    }

    private boolean stateIs(String slotPort, String operState) {
        PortDTO p = port(slotPort);
        return p != null && operState.equals(p.operState);
    }

    private void mtu(String ns, String ifName, int mtu) {
        lab.exec(ns, "ip", "link", "set", ifName, "mtu", String.valueOf(mtu)).check();
    }

    @Test
    void aLiveMtuChangeShowsInPortsResizesLatencyRingsAndMovesTheSendLimit() throws Exception {
        engine();
        String p1 = lab.host(1).switchIf();
        String h1ns = lab.host(1).ns();
        Wire h1 = wire(1);
        PacketSocketImpl before = engine.open(OWNER, RxMode.LATENCY);
        before.setupFilter(Filter.named("jumbo-before").ethertype(0x88b6).build());
        before.setTimeout(Duration.ofSeconds(3));
        assertTrue(mtuIs("1:1", 1500), String.valueOf(port("1:1")));
        try {
            mtu(lab.switchNs(), p1, 9000);
            mtu(h1ns, "veth0", 9000);
            await("expkt:ports to show MTU 9000 for 1:1", () -> mtuIs("1:1", 9000), () -> L2Tables.ports(engine));
            // the socket opened before the change has its ring re-made with slots for the new MTU
            await("the LATENCY ring of the socket opened before to be re-made", () -> before.ringFrameSize() >= 8814 + 18,
                    () -> "frame slot " + before.ringFrameSize());
            PacketSocketImpl after = engine.open(OWNER, RxMode.LATENCY);
            after.setupFilter(Filter.named("jumbo-after").ethertype(0x88b6).build());
            after.setTimeout(Duration.ofSeconds(3));

            byte[] jumbo = Wire.frame(DST, SRC, 0x88b6, 8814);
            h1.send(jumbo);
            byte[] buf = new byte[16384];
            ExosSockAddr from = new ExosSockAddr();
            for (PacketSocketImpl s : List.of(before, after)) {
                int n = s.recvfrom(buf, from);
                assertEquals(8814, n, s + " received the jumbo frame whole (original length " + from.originalLength() + ")");
                assertEquals(8814, from.capturedLength());
                assertEquals(buf[8813], jumbo[8813]);
            }
            // the send check uses the new MTU: 9014 goes out, 9015 is refused naming the limit
            PacketSocketImpl tx = engine.open(OWNER);
            tx.sendto(Wire.frame(DST, SRC, 0x0842, 9014), SlotPort.of(1, 1));
            assertEquals(List.of(9014), Wire.withEthertype(h1.drain(300), 0x0842).stream().map(f -> f.length).toList());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> tx.sendto(Wire.frame(DST, SRC, 0x0842, 9015), SlotPort.of(1, 1)));
            assertTrue(e.getMessage().contains("9015 bytes") && e.getMessage().contains("9014"), e.getMessage());
        } finally {
            mtu(h1ns, "veth0", 1500);
            mtu(lab.switchNs(), p1, 1500);
        }
        // and back
        await("expkt:ports to show MTU 1500 for 1:1 again", () -> mtuIs("1:1", 1500), () -> L2Tables.ports(engine));
        PacketSocketImpl tx = engine.open(OWNER);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tx.sendto(Wire.frame(DST, SRC, 0x0842, 1515), SlotPort.of(1, 1)));
        assertTrue(e.getMessage().contains("1515 bytes") && e.getMessage().contains("1514"), e.getMessage());
        tx.sendto(Wire.frame(DST, SRC, 0x0842, 1514), SlotPort.of(1, 1));
    }

    @Test
    void aReceiverBlockedDuringTheChangeGetsTheLargerRingWithinAPollSlice() throws Exception {
        engine();
        String p2 = lab.host(2).switchIf();
        String h2ns = lab.host(2).ns();
        Wire h2 = wire(2);
        PacketSocketImpl s = engine.open(OWNER, RxMode.LATENCY);
        s.setupFilter(Filter.named("jumbo-blocked").ethertype(0x88b6).build());
        s.setTimeout(Duration.ofSeconds(20));
        int slotBefore = s.ringFrameSize();
        java.util.concurrent.CompletableFuture<int[]> got = new java.util.concurrent.CompletableFuture<>();
        Thread receiver = Thread.ofPlatform().start(() -> {
            try {
                byte[] buf = new byte[16384];
                ExosSockAddr from = new ExosSockAddr();
                int n = s.recvfrom(buf, from);
                got.complete(new int[] {n, from.capturedLength(), from.originalLength()});
            } catch (Throwable t) {
                got.completeExceptionally(t);
            }
        });
        try {
            await("the receiver to block", () -> receiver.getState() == Thread.State.RUNNABLE || receiver.getState() == Thread.State.WAITING,
                    () -> receiver.getState().toString());
            mtu(lab.switchNs(), p2, 9000);
            mtu(h2ns, "veth0", 9000);
            await("the blocked receiver to re-make its ring", () -> s.ringFrameSize() > slotBefore,
                    () -> "frame slot " + s.ringFrameSize() + ", receiver " + receiver.getState());
            h2.send(Wire.frame(DST, SRC, 0x88b6, 8814));
            int[] r = got.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(List.of(8814, 8814, 8814), List.of(r[0], r[1], r[2]), "the frame whole, to the receiver that was waiting");
        } finally {
            s.close();
            receiver.join(5000);
            mtu(h2ns, "veth0", 1500);
            mtu(lab.switchNs(), p2, 1500);
        }
    }

    @Test
    void aLinkGoingDownAndUpShowsInPorts() throws Exception {
        engine();
        String p2 = lab.host(2).switchIf();
        assertTrue(L2Tables.ports(engine).lines().findFirst().orElse("").contains("STATE"), L2Tables.ports(engine));
        await("1:2 up", () -> stateIs("1:2", "up"), () -> L2Tables.ports(engine));
        try {
            lab.exec(lab.switchNs(), "ip", "link", "set", p2, "down").check();
            await("expkt:ports to show 1:2 down", () -> stateIs("1:2", "down"), () -> L2Tables.ports(engine));
            assertTrue(stateIs("1:1", "up") && stateIs("1:3", "up"), L2Tables.ports(engine));
            // the far end going down takes the carrier away: admin up, no carrier
            lab.exec(lab.switchNs(), "ip", "link", "set", p2, "up").check();
            lab.exec(lab.host(2).ns(), "ip", "link", "set", "veth0", "down").check();
            await("expkt:ports to show 1:2 without carrier", () -> stateIs("1:2", "no-carrier"), () -> L2Tables.ports(engine));
        } finally {
            lab.exec(lab.host(2).ns(), "ip", "link", "set", "veth0", "up").check();
            lab.exec(lab.switchNs(), "ip", "link", "set", p2, "up").check();
        }
        await("expkt:ports to show 1:2 up again", () -> stateIs("1:2", "up"), () -> L2Tables.ports(engine));
    }

    @Test
    void withoutANamespaceOrAPortListTheProviderManagesNoPortAndSaysSo() throws Exception {
        // "the host's own namespace" is the namespace of the thread that makes the data plane: here the lab's
        // switch namespace, so that the test never touches the machine's own interfaces
        List<String> logged = new CopyOnWriteArrayList<>();
        ProviderLog log = new ProviderLog() {
            @Override
            public void info(String message) {
                logged.add(message);
            }

            @Override
            public void warn(String message, Throwable cause) {
                logged.add(message);
            }

            @Override
            public void error(String message, Throwable cause) {
                logged.add(message);
            }
        };
        try (NetNs sw = NetNs.open(lab.switchNs())) {
            NetNs.call(sw, () -> {
                dataPlane = new DataPlane("", "VR-Default", 2);
                return null;
            });
        }
        assertEquals(List.of(), dataPlane.model().ports(), "no port without a namespace or a port list");
        engine = new L2Engine(dataPlane, VrScope.single("VR-Default", 2), L2Engine.RingConfig.DEFAULT, log);
        String ports = L2Tables.ports(engine);
        assertTrue(ports.contains("0 port(s)") && ports.contains("expkt.dataplane.netns") && ports.contains("ports"), ports);
        assertTrue(logged.stream().anyMatch(l -> l.contains("no port") && l.contains("expkt.dataplane.netns")), logged.toString());
        assertTrue(engine.sockets().isEmpty());
        // a port list opts in, also in the host's own namespace
        dataPlane.configure(new String[] {"1:1=" + lab.host(1).switchIf()}, new String[0]);
        assertEquals(List.of(SlotPort.of(1, 1)), dataPlane.model().ports().stream().map(p -> p.slotPort()).toList());
        assertEquals(lab.host(1).switchIf(), port("1:1").ifName, L2Tables.ports(engine));
        // and taking it away leaves none again
        dataPlane.configure(new String[0], new String[0]);
        assertEquals(List.of(), dataPlane.model().ports());
    }

    @Test
    void aNamedDataPlaneNamespaceWithoutAPortListNumbersItsInterfaces() throws Exception {
        engine();
        assertEquals(3, dataPlane.model().ports().size(), L2Tables.ports(engine));
    }
}
