package expkt.itest.select;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.PacketSelector;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VirtualRouters;
import expkt.api.vr.VrSockets;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Lab;

/**
 * The seed's "select() can be used to block for the next packet and recvfrom() can be used to retrieve
 * a packet", for every kind of socket at once: one {@link PacketSelector} over two L2 sockets (frames
 * from hosts h1 and h2), a UDP socket in a VR and a raw ICMP socket in that VR (a datagram and a ping
 * from the VR's peer), and a timeout. Each event is reported exactly once: the test reads what a key
 * reports, and a following select with a timeout must report nothing (and takes the timeout).
 */
public class SelectIT extends ExpktTestSupport {
    private static final int ETH_A = 0x88B5;
    private static final int ETH_B = 0x88B6;
    private static final int UDP_PORT = 7100;

    @Inject
    private ConfigurationAdmin cm;

    @Inject
    private VirtualRouters vrs;

    @Inject
    private VrSockets sockets;

    @Inject
    private PacketService packets;

    private SeedLab seed;

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(2);
    }

    @Override
    protected Option[] options() {
        return new Option[] {ExpktOptions.projectBundles("expkt.provider", "expkt.vr")};
    }

    @Before
    public void peers() throws Exception {
        seed = SeedLab.once(lab(), cm, vrs);
    }

    /** What one select loop saw: key attachment -> times reported, and what was read. */
    private static final class Loop {
        final Map<String, Integer> reported = new HashMap<>();
        final List<String> read = new ArrayList<>();
    }

    @Test
    public void oneLoopWaitsOnTwoL2SocketsAUdpSocketInAVrARawIcmpSocketAndATimeoutEachEventOnce() throws Exception {
        try (PacketSocket l2a = packets.open(); PacketSocket l2b = packets.open();
             L3Socket<DatagramChannel> udp = sockets.udpSocket(SeedLab.VR, null);
             RawIpSocket icmp = sockets.rawSocket(SeedLab.VR, RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
             PacketSelector sel = packets.selector()) {
            l2a.setupFilter(Filter.named("sel-a").ethertype(ETH_A).build());
            l2b.setupFilter(Filter.named("sel-b").ethertype(ETH_B).build());
            l2a.setBlocking(false);
            l2b.setBlocking(false);
            udp.channel().bind(new InetSocketAddress(SeedLab.VR_ADDR, UDP_PORT));
            udp.channel().configureBlocking(false);
            sel.register(l2a, "l2a");
            sel.register(l2b, "l2b");
            sel.register(udp, "udp");
            sel.register(icmp, "icmp");
            assertEquals(4, sel.keys().size());

            // nothing happened yet: the timeout is the event, after the time asked
            long t0 = System.nanoTime();
            assertEquals(0, sel.select(Duration.ofMillis(300)));
            assertTrue("select returned before its timeout", System.nanoTime() - t0 >= 290_000_000L);
            assertTrue(sel.selectedKeys().isEmpty());

            // one event at a time: each is reported by exactly its key, then (read) never again
            seed.sendFrame(1, SeedLab.frame(ETH_A, 1));
            assertEquals(List.of("l2a"), drain(sel, l2a, l2b, udp, icmp));
            seed.sendFrame(2, SeedLab.frame(ETH_B, 2));
            assertEquals(List.of("l2b"), drain(sel, l2a, l2b, udp, icmp));
            seed.sendUdp(UDP_PORT, "hello-udp");
            assertEquals(List.of("udp"), drain(sel, l2a, l2b, udp, icmp));
            seed.ping();
            assertEquals(List.of("icmp"), drain(sel, l2a, l2b, udp, icmp));

            // all four at once: one loop gets each exactly once
            seed.sendFrame(1, SeedLab.frame(ETH_A, 3));
            seed.sendFrame(2, SeedLab.frame(ETH_B, 4));
            seed.sendUdp(UDP_PORT, "again");
            seed.ping();
            List<String> all = drain(sel, l2a, l2b, udp, icmp);
            all.sort(null);
            assertEquals(List.of("icmp", "l2a", "l2b", "udp"), all);
        }
    }

    /**
     * Selects until a select with a 1 s timeout reports nothing; reads every reported socket until it
     * is empty; fails if a key is reported again after it was read empty (an event twice) or a socket
     * reported had nothing to read. Returns the attachments reported, in order.
     */
    private static List<String> drain(PacketSelector sel, PacketSocket l2a, PacketSocket l2b, L3Socket<DatagramChannel> udp,
                                      RawIpSocket icmp) throws Exception {
        List<String> seen = new ArrayList<>();
        ExosSockAddr from = new ExosSockAddr();
        byte[] buf = new byte[2048];
        ByteBuffer bb = ByteBuffer.allocate(2048);
        long deadline = System.nanoTime() + 10_000_000_000L;
        // the first select waits for the event (up to 10 s), the following ones for 1 s of quiet
        Duration wait = Duration.ofSeconds(10);
        while (System.nanoTime() < deadline) {
            int n = sel.select(wait);
            if (n == 0) {
                if (seen.isEmpty()) {
                    throw new AssertionError("no event within " + wait);
                }
                return seen;
            }
            assertEquals(n, sel.selectedKeys().size());
            for (PacketSelector.Key k : sel.selectedKeys()) {
                String name = (String) k.attachment();
                assertFalse(name + " reported twice: " + seen, seen.contains(name));
                seen.add(name);
                int got = 0;
                if (k.socket() == l2a || k.socket() == l2b) {
                    PacketSocket s = (PacketSocket) k.socket();
                    while (s.recvfrom(buf, from) >= 0) {
                        got++;
                    }
                } else if (k.socket() == udp) {
                    bb.clear();
                    while (udp.channel().receive(bb) != null) {
                        got++;
                        bb.clear();
                    }
                } else {
                    assertTrue(k.socket() == icmp);
                    icmp.setReceiveTimeout(Duration.ofMillis(50));
                    got++;
                    assertNotNull(icmp.receive(bb.clear()));
                    int ihl = (bb.get(0) & 0x0f) * 4;
                    assertEquals("an ICMP echo request from the VR's peer", 8, bb.get(ihl));
                }
                assertTrue(name + " was reported ready but had nothing to read", got > 0);
            }
            wait = Duration.ofSeconds(1);
        }
        throw new AssertionError("events kept coming for 10 s: " + seen);
    }

    @Test
    public void aSocketMovedToAnotherVrAfterRegisteringIsWatchedInItsNewVr() throws Exception {
        try (L3Socket<DatagramChannel> udp = sockets.udpSocket("VR-Mgmt", null); PacketSelector sel = packets.selector()) {
            DatagramChannel before = udp.channel();
            PacketSelector.Key key = sel.register(udp, "udp");
            udp.setVr(SeedLab.VR); // a new kernel socket in the other VR: the selector swaps descriptors
            assertTrue(key.isValid());
            assertFalse("the old channel is closed", before.isOpen());
            udp.channel().bind(new InetSocketAddress(SeedLab.VR_ADDR, 7104));
            udp.channel().configureBlocking(false);
            seed.sendUdp(7104, "moved");
            assertEquals(1, sel.select(Duration.ofSeconds(10)));
            assertTrue(sel.selectedKeys().get(0) == key);
            ByteBuffer bb = ByteBuffer.allocate(64);
            assertNotNull(udp.channel().receive(bb));
            assertEquals(0, sel.select(Duration.ofMillis(300)));
        }
    }

    @Test
    public void aClosedSocketLeavesTheSelectorAndAClosedSelectorRefusesWork() throws Exception {
        PacketSelector sel = packets.selector();
        PacketSocket l2 = packets.open();
        RawIpSocket icmp = sockets.rawSocket(SeedLab.VR, RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        PacketSelector.Key k1 = sel.register(l2, null);
        PacketSelector.Key k2 = sel.register(icmp, null);
        assertThrows(IllegalArgumentException.class, () -> sel.register(l2, null));
        assertThrows(IllegalStateException.class, () -> l2.setCallback(s -> { }));
        l2.close();
        icmp.close();
        assertFalse(k1.isValid());
        assertFalse(k2.isValid());
        assertTrue(sel.keys().isEmpty());
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> sel.register(l2, null));
        // a blocked select returns when another thread closes the selector
        Thread selecting = Thread.currentThread();
        String selectorClass = sel.getClass().getName();
        Thread closer = Thread.ofPlatform().start(() -> {
            try { // closed once this thread is in select(), so that it is the blocked select that the close ends
                expkt.lab.Deadlines.await(5_000, "the test thread in select()", () -> java.util.Arrays.stream(selecting.getStackTrace())
                        .anyMatch(e -> e.getClassName().equals(selectorClass) && e.getMethodName().startsWith("select")));
            } catch (InterruptedException | AssertionError e) {
                // close anyway: the select below then fails or returns, and says so
            }
            sel.close();
        });
        try {
            assertEquals(0, sel.select()); // blocked until the close: returns, reporting nothing
        } catch (java.nio.channels.ClosedSelectorException closedFirst) {
            // the closer was quicker than this thread reached select: refused, as after any close
        }
        closer.join(5_000);
        assertFalse(sel.isOpen());
        assertThrows(java.nio.channels.ClosedSelectorException.class, () -> sel.select(Duration.ZERO));
    }
}
