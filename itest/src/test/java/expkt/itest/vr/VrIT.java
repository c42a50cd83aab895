package expkt.itest.vr;

import static expkt.itest.vr.VrLabSetup.tcpEcho;
import static expkt.itest.vr.VrLabSetup.udpEcho;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import expkt.api.packet.Expkt;
import expkt.api.vr.AllVrServerSocket;
import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VirtualRouter;
import expkt.api.vr.VirtualRouters;
import expkt.api.vr.VrSockets;
import expkt.itest.ExpktOptions;
import expkt.itest.ExpktTestSupport;
import expkt.lab.Lab;
import expkt.linux.NetNs;

/**
 * The VR bundle in a host: two VRs with the same addresses (10.0.0.0/24 in both), configured through
 * ConfigAdmin; the host default VR is VR-A (framework property expkt.vr.default, the seed's "-v").
 * The probe bundle declares no VR, so its sockets open in the host default.
 */
public class VrIT extends ExpktTestSupport {

    @Inject
    private ConfigurationAdmin cm;

    @Inject
    private VirtualRouters vrs;

    @Inject
    private VrSockets sockets;

    private VrLabSetup setup;

    @Override
    protected Lab.Builder labSpec() {
        return Lab.builder().ports(0);
    }

    @Override
    protected Option[] options() {
        return new Option[] {
            ExpktOptions.projectBundles("expkt.vr"),
            frameworkProperty(ExpktOptions.VR_DEFAULT).value("VR-A"),
        };
    }

    @Before
    public void vrs() throws Exception {
        setup = VrLabSetup.once(lab(), cm, vrs);
    }

    @Test
    public void configurationMakesTheVrsAndADuplicateIsIgnored() throws Exception {
        assertEquals("0=VR-Mgmt,1=VR-Control,2=VR-Default,10=VR-A,11=VR-B", VrLabSetup.names(vrs.list()));
        assertEquals(setup.vra, vrs.byName("VR-A").location());
        assertEquals(setup.dflt, vrs.byId(2).location());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vrs.byName("VR-Dup"));
        assertTrue(e.getMessage(), e.getMessage().contains("VR-Dup"));
        assertEquals("VR-A", vrs.hostDefault().name());
        // the refusal is logged, naming the duplicate id and both VRs
        java.nio.file.Path log = java.nio.file.Path.of(context.getProperty(ExpktOptions.LOG_FILE));
        String expected = "duplicate VR id 10: VR VR-A already has it, so VR VR-Dup is ignored";
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!java.nio.file.Files.readString(log).contains(expected) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(log + " lacks: " + expected, java.nio.file.Files.readString(log).contains(expected));
    }

    @Test
    public void sameClientCodeReachesOnlyTheServerOfItsVr() throws Exception {
        for (String vr : new String[] {"VR-A", "VR-B"}) {
            try (DatagramChannel udp = sockets.openDatagramChannel(vr, null)) {
                assertEquals(vr.substring(3) + ":udp", udpEcho(udp, "udp"));
            }
            try (SocketChannel tcp = sockets.openSocketChannel(vr, null)) {
                assertEquals(vr.substring(3) + ":tcp", tcpEcho(tcp, "tcp"));
            }
        }
    }

    @Test
    public void hostDefaultAndABundlesOwnVrTakeEffect() throws Exception {
        // the probe declares nothing: host default VR-A
        assertEquals("VR-A", vrs.affinity().name());
        assertEquals("VR-A", sockets.affinity().name());
        try (DatagramChannel udp = sockets.openDatagramChannel(null, null)) {
            assertEquals("A:default", udpEcho(udp, "default"));
        }
        // a bundle with Expkt-VirtualRouter: VR-B opens its sockets in VR-B
        Bundle b = VrLabSetup.protocolBundle(context, "expkt.itest.vrb", "VR-B");
        Configuration override = null;
        try {
            ServiceReference<VrSockets> ref = b.getBundleContext().getServiceReference(VrSockets.class);
            VrSockets bs = b.getBundleContext().getService(ref);
            VirtualRouters bv = b.getBundleContext().getService(b.getBundleContext().getServiceReference(VirtualRouters.class));
            assertEquals("VR-B", bv.affinity().name());
            try (DatagramChannel udp = bs.openDatagramChannel(null, null)) {
                assertEquals("B:declared", udpEcho(udp, "declared"));
            }
            // the operator's configuration wins over the header
            override = cm.createFactoryConfiguration("expkt.vr.affinity", "?");
            override.update(VrLabSetup.dict("bundle.symbolicName", "expkt.itest.vrb", "vr", "VR-A"));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!bv.affinity().name().equals("VR-A") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            try (DatagramChannel udp = bs.openDatagramChannel(null, null)) {
                assertEquals("A:configured", udpEcho(udp, "configured"));
            }
        } finally {
            if (override != null) {
                override.delete();
            }
            b.uninstall();
        }
        // a header naming no VR: a clear error naming bundle and value
        Bundle bad = VrLabSetup.protocolBundle(context, "expkt.itest.badvr", "VR-Nope");
        try {
            VrSockets bs = bad.getBundleContext().getService(bad.getBundleContext().getServiceReference(VrSockets.class));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bs.openDatagramChannel(null, null));
            assertTrue(e.getMessage(), e.getMessage().contains("VR-Nope") && e.getMessage().contains("expkt.itest.badvr"));
        } finally {
            bad.uninstall();
        }
    }

    @Test
    public void rawIcmpEchoWithOurOwnIpHeaderIsAnsweredInVrA() throws Exception {
        int id = 0x5a00 | (int) (ProcessHandle.current().pid() & 0xff);
        try (RawIpSocket raw = sockets.rawSocket("VR-A", RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP)) {
            raw.setsockopt(RawIpSocket.IPPROTO_IP, RawIpSocket.IP_HDRINCL, 1);
            raw.setReceiveTimeout(Duration.ofSeconds(3));
            byte[] req = icmpEcho(id, 1);
            assertEquals(req.length, raw.send(ByteBuffer.wrap(req), InetAddress.getByName("10.0.0.2")));
            byte[] buf = new byte[2048];
            boolean replied = false;
            while (!replied) {
                int n = raw.receive(buf, 0, buf.length);
                int ihl = (buf[0] & 0x0f) * 4;
                replied = n >= ihl + 8 && buf[ihl] == 0 && (((buf[ihl + 4] & 0xff) << 8) | (buf[ihl + 5] & 0xff)) == id
                        && buf[12] == 10 && buf[15] == 2; // from 10.0.0.2: VR-A's host kernel
            }
            assertEquals(10, raw.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID));
        }
    }

    @Test
    public void setVrAndSoVridRoundTrip() throws Exception {
        try (L3Socket<DatagramChannel> s1 = sockets.udpSocket("VR-B", null); L3Socket<SocketChannel> s2 = sockets.tcpSocket(null, null)) {
            assertEquals(10, s2.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID));
            SocketChannel before = s2.channel();
            // the seed's example: sock2 into sock1's VR
            s2.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID, s1.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID));
            assertEquals(11, s2.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID));
            assertNotSame(before, s2.channel());
            assertEquals("B:moved", tcpEcho(s2.channel(), "moved"));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> s2.setVr("VR-A"));
            assertTrue(e.getMessage(), e.getMessage().contains("connected"));
            s1.setVr("VR-A");
            assertEquals("A:udp", udpEcho(s1.channel(), "udp"));
            assertThrows(IllegalArgumentException.class, () -> s1.setVrId(99));
        }
    }

    @Test
    public void allServesAClientInEachVr() throws Exception {
        try (AllVrServerSocket all = sockets.serverSocketAllVrs(null)) {
            all.bind(new InetSocketAddress(8080), 8);
            for (String[] c : new String[][] {{setup.hosta, "VR-A"}, {setup.hostb, "VR-B"}}) {
                try (NetNs host = NetNs.open(c[0]); SocketChannel client = NetNs.call(host, SocketChannel::open)) {
                    client.connect(new InetSocketAddress("10.0.0.1", 8080));
                    AllVrServerSocket.Accepted a = all.accept(Duration.ofSeconds(3));
                    assertEquals(c[1], a.vr().name());
                    a.channel().write(ByteBuffer.wrap(("hello " + a.vr().name()).getBytes(StandardCharsets.US_ASCII)));
                    a.channel().close();
                    assertEquals("hello " + c[1], new String(client.socket().getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
                }
            }
        }
    }

    @Test
    public void aStoppedBundleLeavesNoSocketOrFdBehind() throws Exception {
        long before = VrLabSetup.openFds();
        java.util.Map<Integer, String> socketsBefore = VrLabSetup.socketFds();
        Bundle b = VrLabSetup.protocolBundle(context, "expkt.itest.leaky", "VR-B");
        VrSockets bs = b.getBundleContext().getService(b.getBundleContext().getServiceReference(VrSockets.class));
        DatagramChannel udp = bs.openDatagramChannel(null, null);
        assertEquals("B:leak", udpEcho(udp, "leak"));
        SocketChannel tcp = bs.openSocketChannel("VR-A", null);
        L3Socket<DatagramChannel> l3 = bs.udpSocket(null, null);
        RawIpSocket raw = bs.rawSocket(null, RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        AllVrServerSocket all = bs.serverSocketAllVrs(null);
        all.bind(new InetSocketAddress(8081), 4);
        java.util.Map<Integer, String> bundles = new java.util.TreeMap<>(VrLabSetup.socketFds());
        bundles.keySet().removeAll(socketsBefore.keySet());
        // udp, tcp, l3 udp, raw, ALL: 4 listening sockets (mgmt, dflt, vra, vrb) + its selector's epoll (+ eventfd)
        assertTrue("the bundle's sockets are open: " + bundles, bundles.size() >= 9);
        String listing = gogoVr();
        assertTrue(listing, listing.contains("expkt.itest.leaky [" + b.getBundleId() + "]: ") && listing.contains("raw AF_INET protocol 1 VR-B(11)"));
        b.stop();
        assertFalse(udp.isOpen() || tcp.isOpen() || l3.isOpen() || raw.isOpen() || all.isOpen());
        b.uninstall();
        java.util.Map<Integer, String> left = new java.util.TreeMap<>(VrLabSetup.socketFds());
        left.keySet().retainAll(bundles.keySet());
        left.values().retainAll(bundles.values());
        assertEquals("sockets of the stopped bundle still open", java.util.Map.of(), left);
        assertEquals("socket fds before the bundle and after it stopped", socketsBefore, VrLabSetup.socketFds());
        // and the whole fd table is back where it was (other bundles may hold a file a moment: settle)
        long after = VrLabSetup.openFds();
        for (int i = 0; i < 40 && after > before; i++) {
            Thread.sleep(50);
            after = VrLabSetup.openFds();
        }
        assertTrue("fds before the bundle " + before + ", after it stopped " + after, after <= before);
        assertFalse(gogoVr().contains("expkt.itest.leaky"));
    }

    /** The gogo command expkt:vr, called as the shell would (by its service properties). */
    private String gogoVr() throws Exception {
        for (ServiceReference<?> ref : context.getServiceReferences((String) null, "(&(osgi.command.scope=expkt)(osgi.command.function=vr))")) {
            Object cmd = context.getService(ref);
            try {
                return (String) cmd.getClass().getMethod("vr").invoke(cmd);
            } finally {
                context.ungetService(ref);
            }
        }
        throw new AssertionError("no expkt:vr command service");
    }

    static byte[] icmpEcho(int id, int seq) throws IOException {
        byte[] p = new byte[36];
        p[0] = 0x45;
        p[3] = (byte) p.length;
        p[8] = 64;
        p[9] = 1;
        System.arraycopy(InetAddress.getByName("10.0.0.1").getAddress(), 0, p, 12, 4);
        System.arraycopy(InetAddress.getByName("10.0.0.2").getAddress(), 0, p, 16, 4);
        int ipSum = checksum(p, 0, 20);
        p[10] = (byte) (ipSum >>> 8);
        p[11] = (byte) ipSum;
        p[20] = 8;
        p[24] = (byte) (id >>> 8);
        p[25] = (byte) id;
        p[27] = (byte) seq;
        System.arraycopy("expkt-vr".getBytes(StandardCharsets.US_ASCII), 0, p, 28, 8);
        int sum = checksum(p, 20, 16);
        p[22] = (byte) (sum >>> 8);
        p[23] = (byte) sum;
        return p;
    }

    static int checksum(byte[] b, int off, int len) {
        int sum = 0;
        for (int i = 0; i < len; i += 2) {
            sum += ((b[off + i] & 0xff) << 8) | (i + 1 < len ? b[off + i + 1] & 0xff : 0);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }

}
