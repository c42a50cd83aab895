package expkt.itest.select;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;
import expkt.api.runtime.ExpktRuntime;
import expkt.api.runtime.VrSocketDTO;
import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VirtualRouters;
import expkt.api.vr.VrSockets;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Lab;

/**
 * The seed's {@code set_callback} on every socket: L3 (UDP) and raw IP (ICMP) sockets in a VR get
 * callbacks run by the same shared dispatcher thread as L2 socket callbacks; a read inside a callback
 * never blocks, whatever the socket's mode; the callback's buf_size bounds what a read inside it copies;
 * and the host owns them: when the bundle that set them stops, its sockets are closed and their
 * callbacks gone.
 */
public class CallbackIT extends ExpktTestSupport {
    private static final int ETH = 0x88B7;

    @Inject
    private ConfigurationAdmin cm;

    @Inject
    private VirtualRouters vrs;

    @Inject
    private VrSockets sockets;

    @Inject
    private PacketService packets;

    @Inject
    private ExpktRuntime runtime;

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

    @Test
    public void udpAndRawCallbacksRunOnTheSharedDispatcherThreadOfL2Callbacks() throws Exception {
        List<String> l2Threads = new CopyOnWriteArrayList<>();
        List<String> udpGot = new CopyOnWriteArrayList<>();
        List<String> udpThreads = new CopyOnWriteArrayList<>();
        List<Integer> icmpTypes = new CopyOnWriteArrayList<>();
        List<String> icmpThreads = new CopyOnWriteArrayList<>();
        List<Long> secondReadNanos = new CopyOnWriteArrayList<>();
        try (PacketSocket l2 = packets.open();
             L3Socket<DatagramChannel> udp = sockets.udpSocket(SeedLab.VR, null);
             RawIpSocket icmp = sockets.rawSocket(SeedLab.VR, RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP)) {
            l2.setupFilter(Filter.named("cb-l2").ethertype(ETH).build());
            ExosSockAddr from = new ExosSockAddr();
            byte[] frameBuf = new byte[2048];
            l2.setCallback(s -> {
                while (s.recvfrom(frameBuf, from) >= 0) {
                    l2Threads.add(Thread.currentThread().getName());
                }
            });
            udp.channel().bind(new InetSocketAddress(SeedLab.VR_ADDR, 7101));
            // the seed's packet_handler: one receive per call
            ByteBuffer ub = ByteBuffer.allocate(2048);
            udp.setCallback(s -> {
                ub.clear();
                if (s.channel().receive(ub) != null) {
                    udpGot.add(new String(ub.array(), 0, ub.position(), StandardCharsets.US_ASCII));
                    udpThreads.add(Thread.currentThread().getName());
                }
            });
            // the raw socket waits for ever outside a callback (timeout ZERO); inside, a second read returns at once
            byte[] rb = new byte[2048];
            icmp.setCallback(s -> {
                int n = s.receive(rb, 0, rb.length);
                if (n > 0) {
                    icmpTypes.add(rb[(rb[0] & 0x0f) * 4] & 0xff);
                    icmpThreads.add(Thread.currentThread().getName());
                    long t0 = System.nanoTime();
                    while (s.receive(rb, 0, rb.length) > 0) {
                        icmpTypes.add(rb[(rb[0] & 0x0f) * 4] & 0xff);
                    }
                    secondReadNanos.add(System.nanoTime() - t0);
                }
            });

            seed.sendFrame(1, SeedLab.frame(ETH, 1));
            seed.sendUdp(7101, "one");
            seed.sendUdp(7101, "two");
            seed.sendUdp(7101, "three");
            seed.ping();
            await("the L2, UDP and ICMP callbacks", 10_000,
                    () -> !l2Threads.isEmpty() && udpGot.size() == 3 && !icmpTypes.isEmpty());
            assertEquals(List.of("one", "two", "three"), udpGot);
            assertEquals("an ICMP echo request", Integer.valueOf(8), icmpTypes.get(0));
            String shared = l2Threads.get(0);
            assertEquals("expkt-dispatch-shared", shared);
            assertTrue(udpThreads + " vs " + shared, udpThreads.stream().allMatch(shared::equals));
            assertTrue(icmpThreads + " vs " + shared, icmpThreads.stream().allMatch(shared::equals));
            assertTrue("a read inside a callback returned after " + secondReadNanos.get(0) / 1_000_000 + " ms",
                    secondReadNanos.get(0) < 50_000_000L);

            // the runtime DTOs (expkt:sockets' second table) show both VR sockets with their callbacks' lane
            List<VrSocketDTO> rows = runtime.vrSockets();
            VrSocketDTO udpRow = rows.stream().filter(d -> "udp".equals(d.transport)).findFirst().orElseThrow(() -> new AssertionError(rows));
            VrSocketDTO rawRow = rows.stream().filter(d -> VrSocketDTO.RAW.equals(d.kind)).findFirst().orElseThrow(() -> new AssertionError(rows));
            assertEquals(VrSocketDTO.L3, udpRow.kind);
            assertEquals(SeedLab.VR, udpRow.vr);
            assertEquals("/" + SeedLab.VR_ADDR + ":7101", udpRow.localAddress);
            assertTrue(udpRow.toString(), udpRow.callback && udpRow.lane != null);
            assertEquals(RawIpSocket.IPPROTO_ICMP, rawRow.ipProtocol);
            assertTrue(rawRow.toString(), rawRow.callback && rawRow.lane != null);
            assertTrue(rawRow + " vs " + icmpTypes.size(), rawRow.received >= icmpTypes.size());
            assertTrue(rawRow.owner, rawRow.ownerBundleId >= 0);
            assertEquals(rows.size(), runtime.snapshot().vrSockets.size());
            // and expkt:sockets prints them (the command object as Gogo calls it)
            org.osgi.framework.ServiceReference<?>[] cmds = context.getServiceReferences((String) null,
                    "(&(osgi.command.scope=expkt)(osgi.command.function=sockets))");
            assertTrue("the expkt:sockets command", cmds != null && cmds.length == 1);
            Object cmd = context.getService(cmds[0]);
            try {
                String text = (String) cmd.getClass().getMethod("sockets").invoke(cmd);
                assertTrue(text, text.contains("L3 and raw IP sockets of the VRs:")
                        && text.contains("/" + SeedLab.VR_ADDR + ":7101") && text.contains("raw 1 INET"));
            } finally {
                context.ungetService(cmds[0]);
            }

            // removed: not called again; set again: called again (so the removal was what stopped it)
            udp.removeCallback();
            seed.sendUdp(7101, "while-removed");
            udp.channel().configureBlocking(true);
            ub.clear();
            udp.channel().socket().setSoTimeout(5000);
            java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[100], 100);
            udp.channel().socket().receive(p);
            assertEquals("the datagram waited for a reader, no callback took it", "while-removed",
                    new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
            assertEquals(3, udpGot.size());
        }
    }

    @Test
    public void aReadInsideAnL2CallbackNeverBlocksAndBufSizeBoundsIt() throws Exception {
        List<int[]> reads = new CopyOnWriteArrayList<>();
        try (PacketSocket l2 = packets.open()) {
            l2.setupFilter(Filter.named("cb-buf").ethertype(ETH + 1).build());
            assertTrue("a new socket blocks", l2.getClass().getMethod("isBlocking").invoke(l2).equals(Boolean.TRUE));
            ExosSockAddr from = new ExosSockAddr();
            byte[] buf = new byte[2048];
            l2.setCallback(s -> {
                int n = s.recvfrom(buf, from);             // the frame, cut to buf_size
                long t0 = System.nanoTime();
                int again = s.recvfrom(buf, from);         // nothing left: must not block the shared thread
                reads.add(new int[] {n, from.capturedLength(), from.originalLength(), again,
                        (int) ((System.nanoTime() - t0) / 1_000_000)});
            }, 40, 0);
            seed.sendFrame(1, SeedLab.frame(ETH + 1, 9));
            await("the callback", 10_000, () -> !reads.isEmpty());
            int[] r = reads.get(0);
            assertEquals("recvfrom inside the callback copies at most buf_size bytes", 40, r[0]);
            assertEquals(40, r[1]);
            assertEquals(60, r[2]);
            assertEquals("the second read finds nothing", -1, r[3]);
            assertTrue("the second read took " + r[4] + " ms", r[4] < 50);
            // outside the callback the socket is as the user left it: blocking, and not cut
            l2.removeCallback();
            seed.sendFrame(1, SeedLab.frame(ETH + 1, 10));
            l2.setTimeout(java.time.Duration.ofSeconds(5));
            assertEquals(60, l2.recvfrom(buf, from));
        }
    }

    @Test
    public void theHostClosesTheCallbackSocketsOfABundleThatStops() throws Exception {
        Bundle b = ownerBundle("expkt.itest.callbackowner");
        VrSockets bs = b.getBundleContext().getService(b.getBundleContext().getServiceReference(VrSockets.class));
        List<String> got = new CopyOnWriteArrayList<>();
        L3Socket<DatagramChannel> udp = bs.udpSocket(SeedLab.VR, null);
        RawIpSocket raw = bs.rawSocket(SeedLab.VR, RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        udp.channel().bind(new InetSocketAddress(SeedLab.VR_ADDR, 7102));
        ByteBuffer ub = ByteBuffer.allocate(256);
        udp.setCallback(s -> {
            ub.clear();
            if (s.channel().receive(ub) != null) {
                got.add("udp");
            }
        });
        raw.setCallback(s -> {
            byte[] rb = new byte[256];
            if (s.receive(rb, 0, rb.length) > 0) {
                got.add("raw");
            }
        });
        seed.sendUdp(7102, "x");
        seed.ping();
        await("both callbacks of the owner bundle", 10_000, () -> got.contains("udp") && got.contains("raw"));
        b.stop();
        assertFalse("the UDP socket of the stopped bundle is closed", udp.isOpen());
        assertFalse("the raw socket of the stopped bundle is closed", raw.isOpen());
        assertFalse(udp.channel().isOpen());
        // the port is free again: the kernel socket is gone, not only marked closed
        try (L3Socket<DatagramChannel> again = sockets.udpSocket(SeedLab.VR, null)) {
            again.channel().bind(new InetSocketAddress(SeedLab.VR_ADDR, 7102));
        }
        b.uninstall();
    }

    private Bundle ownerBundle(String bsn) throws Exception {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", "1.0.0");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out, mf)) {
            jar.flush();
        }
        Bundle b = context.installBundle("itest:" + bsn, new ByteArrayInputStream(out.toByteArray()));
        b.start();
        return b;
    }

    @Test
    public void withoutCallbacksNothingIsLeftOnTheLane() throws Exception {
        try (RawIpSocket raw = sockets.rawSocket(SeedLab.VR, RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP)) {
            raw.setCallback(s -> { });
            raw.removeCallback();
            raw.removeCallback(); // idempotent
            raw.setReceiveTimeout(java.time.Duration.ofSeconds(5));
            seed.ping();
            byte[] rb = new byte[256];
            assertTrue(raw.receive(rb, 0, rb.length) > 0);
            assertNull(null);
        }
    }
}
