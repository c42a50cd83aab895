package expkt.vr.internal;

import expkt.api.packet.Expkt;
import expkt.api.spi.BundleIdentity;
import expkt.api.vr.AllVrServerSocket;
import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VirtualRouter;
import expkt.lab.Deadlines;
import expkt.linux.NetNs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** L3 and raw sockets in VRs, against two real namespaces that use the same addresses. */
class VrSocketsTest {
    private static final InetSocketAddress ECHO = new InetSocketAddress("10.0.0.2", VrLab.ECHO_PORT);
    private static VrLab lab;

    private VrTable table;
    private VrExec exec;
    private SocketOwner owner;
    private VrSocketsImpl sockets;

    @BeforeAll
    static void buildLab() throws IOException {
        lab = new VrLab();
    }

    @AfterAll
    static void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @BeforeEach
    void open() {
        table = lab.table();
        exec = new VrExec();
        owner = new SocketOwner(BundleIdentity.outsideOsgi("test"));
        sockets = new VrSocketsImpl(table, exec, owner, table::hostDefault);
    }

    @AfterEach
    void close() {
        owner.closeAll();
        exec.close();
    }

    static String udpEcho(DatagramChannel ch, String msg) throws IOException {
        byte[] out = msg.getBytes(StandardCharsets.US_ASCII);
        ch.send(ByteBuffer.wrap(out), ECHO);
        ch.socket().setSoTimeout(3000);
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        ch.socket().receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    static String tcpEcho(SocketChannel ch, String msg) throws IOException {
        ch.socket().connect(ECHO, 3000);
        ch.write(ByteBuffer.wrap(msg.getBytes(StandardCharsets.US_ASCII)));
        ch.socket().setSoTimeout(3000);
        byte[] in = ch.socket().getInputStream().readAllBytes();
        return new String(in, StandardCharsets.US_ASCII);
    }

    @Test
    void udpClientReachesOnlyTheServerOfItsVr() throws Exception {
        // the same client code, run in each VR: the reply's tag names the server that answered
        for (String vr : new String[]{"VR-A", "VR-B"}) {
            try (DatagramChannel ch = sockets.openDatagramChannel(vr, null)) {
                assertEquals(vr.substring(3) + ":hello", udpEcho(ch, "hello"));
            }
        }
        // VR-Default (another namespace, no 10.0.0.0/24 there) reaches neither
        try (DatagramChannel ch = sockets.openDatagramChannel("VR-Default", null)) {
            assertThrows(IOException.class, () -> udpEcho(ch, "nobody"));
        }
    }

    @Test
    void tcpClientReachesOnlyTheServerOfItsVr() throws Exception {
        for (String vr : new String[]{"VR-A", "VR-B"}) {
            try (SocketChannel ch = sockets.openSocketChannel(vr, null)) {
                assertEquals(vr.substring(3) + ":hi", tcpEcho(ch, "hi"));
            }
        }
    }

    @Test
    void socketsOpenedFromAVirtualThreadLandInTheVrAndTheThreadStaysHome() throws Exception {
        long home = NetNs.currentInode();
        AtomicReference<Object> result = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try (DatagramChannel ch = sockets.openDatagramChannel("VR-B", null)) {
                result.set(udpEcho(ch, "virtual") + "|" + (NetNs.currentInode() == home));
            } catch (Throwable t) {
                result.set(t);
            }
        }).join();
        assertEquals("B:virtual|true", result.get());
        assertEquals(home, NetNs.currentInode());
        exec.close();
        // the helper platform thread ends with the exec: none is left behind. The executor reports
        // termination a moment before its worker thread has returned, so join it (bounded).
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("expkt-vr-socket-maker")) {
                t.join(5000);
            }
        }
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("expkt-vr-socket-maker") && t.isAlive()));
    }

    @Test
    void bundleAffinityHeaderConfigurationAndHostDefault() throws Exception {
        table.setHostDefault("VR-A");
        // no declaration: the host default
        VrSocketsImpl plain = new VrSocketsImpl(table, exec, owner, () -> table.affinity("org.example.plain", null));
        try (DatagramChannel ch = plain.openDatagramChannel(null, null)) {
            assertEquals("VR-A", plain.affinity().name());
            assertEquals("A:x", udpEcho(ch, "x"));
        }
        // a manifest header overrides the host default
        VrSocketsImpl declared = new VrSocketsImpl(table, exec, owner, () -> table.affinity("org.example.b", "VR-B"));
        try (DatagramChannel ch = declared.openDatagramChannel(null, null)) {
            assertEquals("B:x", udpEcho(ch, "x"));
        }
        // configuration overrides the header
        table.setAffinity("org.example.b", "VR-A");
        try (DatagramChannel ch = declared.openDatagramChannel(null, null)) {
            assertEquals("A:x", udpEcho(ch, "x"));
        }
        table.clearAffinity("org.example.b", "VR-A");
        assertEquals("VR-B", declared.affinity().name());
        // a header naming no VR: a clear error naming bundle, header and value
        VrSocketsImpl wrong = new VrSocketsImpl(table, exec, owner, () -> table.affinity("org.example.bad", "VR-Nope"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wrong.openDatagramChannel(null, null));
        assertTrue(e.getMessage().contains("VR-Nope") && e.getMessage().contains("org.example.bad")
                && e.getMessage().contains(VrHeaders.VIRTUAL_ROUTER), e.getMessage());
        // a host default naming no VR
        table.setHostDefault("VR-Gone");
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> plain.openDatagramChannel(null, null));
        assertTrue(d.getMessage().contains("VR-Gone") && d.getMessage().contains("expkt.vr.default"), d.getMessage());
    }

    @Test
    void setVrAndSoVridRoundTrip() throws Exception {
        L3Socket<DatagramChannel> s = sockets.udpSocket("VR-A", null);
        assertEquals(10, s.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID));
        DatagramChannel first = s.channel();
        s.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID, 11);
        assertEquals("VR-B", s.vr().name());
        assertEquals(11, s.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID));
        assertNotSame(first, s.channel());
        assertFalse(first.isOpen(), "the replaced kernel socket is closed");
        assertEquals("B:moved", udpEcho(s.channel(), "moved"));
        // the seed's example: put sock2 in the same VR as sock1
        L3Socket<SocketChannel> sock2 = sockets.tcpSocket("VR-Default", null);
        sock2.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID, s.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID));
        assertEquals("B:tcp", tcpEcho(sock2.channel(), "tcp"));
        // bound (and connected) now: a VR change is an error naming the state; the VR stays
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.setVr("VR-A"));
        assertTrue(e.getMessage().contains("bound to") && e.getMessage().contains("VR-A"), e.getMessage());
        assertEquals("VR-B", s.vr().name());
        IllegalStateException c = assertThrows(IllegalStateException.class, () -> sock2.setVrId(10));
        assertTrue(c.getMessage().contains("connected to /10.0.0.2:" + VrLab.ECHO_PORT), c.getMessage());
        // setting the VR it already is in is no change, bound or not
        s.setVr("vr-b");
        // unknown name / id: errors naming them
        L3Socket<ServerSocketChannel> srv = sockets.tcpServerSocket("VR-A", null);
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> srv.setVr("VR-Nope"));
        assertTrue(n.getMessage().contains("VR-Nope"), n.getMessage());
        IllegalArgumentException i = assertThrows(IllegalArgumentException.class,
                () -> srv.setsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID, 4242));
        assertTrue(i.getMessage().contains("4242"), i.getMessage());
        IllegalArgumentException all = assertThrows(IllegalArgumentException.class, () -> srv.setVr("ALL"));
        assertTrue(all.getMessage().contains("ALL"), all.getMessage());
        assertEquals("VR-A", srv.vr().name());
        UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class, () -> srv.getsockopt(1, 2));
        assertTrue(u.getMessage().contains("option 2"), u.getMessage());
        srv.channel().bind(new InetSocketAddress(0));
        IllegalStateException l = assertThrows(IllegalStateException.class, () -> srv.setVr("VR-B"));
        assertTrue(l.getMessage().contains("listening"), l.getMessage());
        s.close();
        assertFalse(s.isOpen());
    }

    /** ICMP echo request with our own IPv4 header (IP_HDRINCL); the host kernel of the VR answers. */
    static byte[] icmpEcho(int id, int seq) throws IOException {
        byte[] p = new byte[20 + 8 + 8];
        p[0] = 0x45;
        p[2] = (byte) (p.length >>> 8);
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
        p[26] = (byte) (seq >>> 8);
        p[27] = (byte) seq;
        System.arraycopy("expktvr!".getBytes(StandardCharsets.US_ASCII), 0, p, 28, 8);
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

    /** Receives until an echo reply with {@code id}; returns its sequence number, or -1 on timeout. */
    static int awaitReply(RawIpSocket s, int id) throws IOException {
        byte[] buf = new byte[2048];
        try {
            while (true) {
                int n = s.receive(buf, 0, buf.length);
                int ihl = (buf[0] & 0x0f) * 4;
                if (n >= ihl + 8 && buf[ihl] == 0 && (((buf[ihl + 4] & 0xff) << 8) | (buf[ihl + 5] & 0xff)) == id) {
                    return ((buf[ihl + 6] & 0xff) << 8) | (buf[ihl + 7] & 0xff);
                }
            }
        } catch (SocketTimeoutException e) {
            return -1;
        }
    }

    @Test
    void rawIcmpEchoWithHeaderIncludedIsAnsweredInItsVr() throws Exception {
        int idA = 0x4100 | (int) (ProcessHandle.current().pid() & 0xff);
        int idB = 0x4200 | (int) (ProcessHandle.current().pid() & 0xff);
        try (RawIpSocket a = sockets.rawSocket("VR-A", RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
             RawIpSocket b = sockets.rawSocket("VR-B", RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP)) {
            a.setHeaderIncluded(true);
            assertEquals(1, a.getsockopt(RawIpSocket.IPPROTO_IP, RawIpSocket.IP_HDRINCL), "the kernel socket has IP_HDRINCL");
            b.setsockopt(RawIpSocket.IPPROTO_IP, RawIpSocket.IP_HDRINCL, 1);
            assertTrue(b.isHeaderIncluded());
            a.setReceiveTimeout(Duration.ofSeconds(2));
            b.setReceiveTimeout(Duration.ofMillis(500));
            byte[] req = icmpEcho(idA, 7);
            // no destination: taken from the header we built
            assertEquals(req.length, a.send(ByteBuffer.wrap(req), null));
            assertEquals(7, awaitReply(a, idA));
            // VR-B's socket saw nothing of VR-A's exchange
            assertEquals(-1, awaitReply(b, idA));
            byte[] reqB = icmpEcho(idB, 9);
            assertEquals(reqB.length, b.send(reqB, 0, reqB.length, InetAddress.getByName("10.0.0.2")));
            b.setReceiveTimeout(Duration.ofSeconds(2));
            assertEquals(9, awaitReply(b, idB));
            a.setReceiveTimeout(Duration.ofMillis(300));
            assertEquals(-1, awaitReply(a, idB));
            assertEquals(10, a.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID));
        }
    }

    @Test
    void rawSocketMovesUntilBoundAndRejectsBadArguments() throws Exception {
        RawIpSocket r = sockets.rawSocket("VR-Default", RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        r.setHeaderIncluded(true);
        r.setVr("VR-A");
        assertEquals(10, r.getsockopt(Expkt.SOL_SOCKET, Expkt.SO_VRID));
        assertEquals(1, r.getsockopt(RawIpSocket.IPPROTO_IP, RawIpSocket.IP_HDRINCL), "IP_HDRINCL carried to the new kernel socket");
        r.setReceiveTimeout(Duration.ofSeconds(2));
        int id = 0x4300 | (int) (ProcessHandle.current().pid() & 0xff);
        r.send(ByteBuffer.wrap(icmpEcho(id, 3)), null);
        assertEquals(3, awaitReply(r, id));
        r.bind(InetAddress.getByName("10.0.0.1"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.setVr("VR-B"));
        assertTrue(e.getMessage().contains("bound"), e.getMessage());
        IllegalArgumentException dom = assertThrows(IllegalArgumentException.class, () -> sockets.rawSocket("VR-A", 17, 1));
        assertTrue(dom.getMessage().contains("17"), dom.getMessage());
        IllegalArgumentException proto = assertThrows(IllegalArgumentException.class,
                () -> sockets.rawSocket("VR-A", RawIpSocket.AF_INET, 300));
        assertTrue(proto.getMessage().contains("300"), proto.getMessage());
        IllegalArgumentException fam = assertThrows(IllegalArgumentException.class,
                () -> r.send(new byte[40], 0, 40, InetAddress.getByName("::1")));
        assertTrue(fam.getMessage().contains("0:0:0:0:0:0:0:1"), fam.getMessage());
        r.close();
        assertThrows(IOException.class, () -> r.send(new byte[28], 0, 28, null));
    }

    /**
     * An update of expkt.vr as the keeper does it: the raw socket's descriptor is parked by one session and
     * adopted by another (the next revision's): the reply that arrived while it was parked is received from
     * the adopted socket (the kernel socket was never closed), the VR and IP_HDRINCL come along, the parked
     * object is closed for its users, and the descriptor is closed only with the adopted socket.
     */
    @Test
    void aParkedRawSocketIsAdoptedByTheNextSessionWithWhatQueuedMeanwhile() throws Exception {
        int id = 0x4400 | (int) (ProcessHandle.current().pid() & 0xff);
        RawIpSocket old = sockets.rawSocket("VR-A", RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        old.setHeaderIncluded(true);
        old.setReceiveTimeout(Duration.ofSeconds(2));
        old.send(ByteBuffer.wrap(icmpEcho(id, 1)), null);
        assertEquals(1, awaitReply(old, id));
        old.send(ByteBuffer.wrap(icmpEcho(id, 2)), null); // its reply queues in the kernel socket while parked
        expkt.api.spi.ParkedRawSocket parked = sockets.park(old);
        assertTrue(parked != null && parked.fd() >= 0 && parked.fdInode() > 0, String.valueOf(parked));
        assertEquals(10, parked.vr().id());
        assertTrue(parked.headerIncluded());
        assertFalse(old.isOpen());
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> old.send(new byte[28], 0, 28, null));
        assertEquals(null, sockets.park(old), "parked once");
        assertTrue(java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/fd/" + parked.fd())), "parking leaves the descriptor open");
        assertEquals(0, sockets.release(), "a parked socket is not the old session's to close");
        assertTrue(java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/fd/" + parked.fd())));

        SocketOwner nextOwner = new SocketOwner(BundleIdentity.outsideOsgi("test"));
        VrSocketsImpl next = new VrSocketsImpl(table, exec, nextOwner, table::hostDefault);
        RawIpSocket adopted = next.adopt(parked);
        try {
            assertEquals("VR-A", adopted.vr().name());
            assertTrue(adopted.isHeaderIncluded());
            adopted.setReceiveTimeout(Duration.ofSeconds(2));
            assertEquals(2, awaitReply(adopted, id), "the reply that came while parked");
            adopted.send(ByteBuffer.wrap(icmpEcho(id, 3)), null);
            assertEquals(3, awaitReply(adopted, id));
        } finally {
            assertEquals(1, next.release());
        }
        assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/fd/" + parked.fd()))
                && RawIpSocketImpl.inodeOf(parked.fd()) == parked.fdInode(), "closed with the adopted socket");
        // a descriptor closed underneath is refused, naming it, not wrapped
        IOException stale = assertThrows(IOException.class, () -> next.adopt(parked));
        assertTrue(stale.getMessage().contains("fd " + parked.fd()), stale.getMessage());
    }

    /** A plain channel crosses to the next session unclosed: the next one lists it and closes it on release. */
    @Test
    void aParkedChannelIsNotClosedAndBelongsToTheNextSession() throws Exception {
        DatagramChannel ch = sockets.openDatagramChannel("VR-B", null);
        RawIpSocket raw = sockets.rawSocket("VR-B", RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        java.util.List<expkt.api.spi.ParkedChannel> parked = sockets.parkChannels();
        assertEquals(1, parked.size(), "the plain channel only, not the raw socket");
        assertEquals("udp", parked.get(0).kind());
        assertEquals("VR-B", parked.get(0).vr().name());
        assertEquals(1, sockets.release(), "the raw socket, not the parked channel");
        assertFalse(raw.isOpen());
        assertTrue(ch.isOpen());
        assertEquals("B:kept", udpEcho(ch, "kept"));
        SocketOwner nextOwner = new SocketOwner(BundleIdentity.outsideOsgi("test"));
        VrSocketsImpl next = new VrSocketsImpl(table, exec, nextOwner, table::hostDefault);
        next.adoptChannel(parked.get(0));
        assertEquals(1, nextOwner.open().size());
        assertEquals(1, next.release());
        assertFalse(ch.isOpen());
    }

    /** An L3 socket's channel is adopted by the next session: the same JDK channel, not closed by the swap. */
    @Test
    void aParkedL3SocketKeepsItsChannelInTheNextSession() throws Exception {
        L3Socket<DatagramChannel> old = sockets.udpSocket("VR-A", null);
        DatagramChannel ch = old.channel();
        assertEquals("A:before", udpEcho(ch, "before"));
        expkt.api.spi.ParkedChannel parked = sockets.parkL3(old);
        assertTrue(parked != null && parked.channel() == ch && "udp".equals(parked.kind()), String.valueOf(parked));
        assertFalse(old.isOpen());
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> old.setVr("VR-B"));
        old.close(); // the channel is no longer the parked object's to close
        assertEquals(0, sockets.release());
        assertTrue(ch.isOpen());
        SocketOwner nextOwner = new SocketOwner(BundleIdentity.outsideOsgi("test"));
        VrSocketsImpl next = new VrSocketsImpl(table, exec, nextOwner, table::hostDefault);
        @SuppressWarnings("unchecked")
        L3Socket<DatagramChannel> adopted = (L3Socket<DatagramChannel>) next.adoptL3(parked);
        assertTrue(adopted.channel() == ch);
        assertEquals("VR-A", adopted.vr().name());
        assertEquals("A:after", udpEcho(adopted.channel(), "after"));
        assertEquals(1, next.release());
        assertFalse(ch.isOpen());
    }

    /**
     * An ALL server socket's listening channels are adopted by the next session: the same channels and selector,
     * not closed by the swap; a pending accept is woken by the park and fails as closed; a client that connects while the
     * channels are parked waits in the backlog and is accepted by the adopted socket, in its VR.
     */
    @Test
    void aParkedAllServerSocketKeepsItsChannelsInTheNextSession() throws Exception {
        AllVrServerSocket old = sockets.serverSocketAllVrs(null);
        old.bind(new InetSocketAddress(8081), 16);
        Map<VirtualRouter, ServerSocketChannel> before = old.channels();
        CompletableFuture<Throwable> pending = new CompletableFuture<>();
        Thread acceptor = Thread.ofPlatform().start(() -> {
            try {
                old.accept(Duration.ofSeconds(30));
                pending.complete(null);
            } catch (Throwable t) {
                pending.complete(t);
            }
        });
        // parked only once the accept is pending (a park before it would make it fail at once, proving nothing)
        Deadlines.await(5_000, "the accept is pending", () -> java.util.Arrays.stream(acceptor.getStackTrace())
                .anyMatch(e -> e.getClassName().equals(AllVrServerSocketImpl.class.getName()) && e.getMethodName().equals("accept")));
        expkt.api.spi.ParkedAllVrServerSocket parked = sockets.parkAll(old);
        assertTrue(pending.get(3, TimeUnit.SECONDS) instanceof java.nio.channels.ClosedChannelException, String.valueOf(pending.getNow(null)));
        assertTrue(parked != null && parked.channels().size() == before.size() && parked.selector().isOpen(), String.valueOf(parked));
        for (expkt.api.spi.ParkedChannel p : parked.channels()) {
            assertTrue(before.get(p.vr()) == p.channel() && "tcp-listen".equals(p.kind()) && p.channel().isOpen(), p.toString());
        }
        assertFalse(old.isOpen());
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> old.accept(Duration.ofMillis(10)));
        assertEquals(null, sockets.parkAll(old), "parked once");
        old.close(); // the channels are no longer the parked object's to close
        assertEquals(0, sockets.release());
        assertTrue(before.values().stream().allMatch(ServerSocketChannel::isOpen));
        SocketOwner nextOwner = new SocketOwner(BundleIdentity.outsideOsgi("test"));
        VrSocketsImpl next = new VrSocketsImpl(table, exec, nextOwner, table::hostDefault);
        try (NetNs host = NetNs.open(lab.hosta); SocketChannel client = NetNs.call(host, SocketChannel::open)) {
            client.connect(new InetSocketAddress("10.0.0.1", 8081)); // the kernel completes it: the channel still listens
            AllVrServerSocket adopted = next.adoptAll(parked);
            assertEquals(before.keySet(), adopted.channels().keySet());
            for (Map.Entry<VirtualRouter, ServerSocketChannel> e : adopted.channels().entrySet()) {
                assertTrue(before.get(e.getKey()) == e.getValue() && e.getValue().keyFor(parked.selector()).attachment() == e.getKey(),
                        "the same channel, registered with the same selector, for " + e.getKey().name());
            }
            AllVrServerSocket.Accepted a = adopted.accept(Duration.ofSeconds(3));
            assertEquals("VR-A", a.vr().name());
            a.channel().write(ByteBuffer.wrap("A".getBytes(StandardCharsets.US_ASCII)));
            a.channel().close();
            assertEquals("A", new String(client.socket().getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        }
        assertEquals(1, next.release());
        assertTrue(before.values().stream().noneMatch(ServerSocketChannel::isOpen) && !parked.selector().isOpen());
        // channels closed underneath (here: by the release) are refused, naming the VR
        VrSocketsImpl third = new VrSocketsImpl(table, exec, new SocketOwner(BundleIdentity.outsideOsgi("test")), table::hostDefault);
        IOException gone = assertThrows(IOException.class, () -> third.adoptAll(parked));
        assertTrue(gone.getMessage().contains("closed while parked"), gone.getMessage());
    }

    @Test
    void closeEndsAPendingRawReceive() throws Exception {
        RawIpSocket r = sockets.rawSocket("VR-Default", RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        CompletableFuture<Throwable> f = new CompletableFuture<>();
        Thread receiver = Thread.ofPlatform().start(() -> {
            try {
                r.receive(new byte[100], 0, 100);
                f.complete(null);
            } catch (Throwable t) {
                f.complete(t);
            }
        });
        // closed only once the receive is pending (a close before it would make it fail at once, proving nothing)
        Deadlines.await(5_000, "the receive is pending", () -> java.util.Arrays.stream(receiver.getStackTrace())
                .anyMatch(e -> e.getClassName().equals(RawIpSocketImpl.class.getName()) && e.getMethodName().equals("receive")));
        assertFalse(f.isDone(), "the receive waits for a datagram");
        r.close();
        assertTrue(f.get(2, TimeUnit.SECONDS) instanceof IOException);
    }

    @Test
    void allServesAClientInEachVr() throws Exception {
        try (AllVrServerSocket all = sockets.serverSocketAllVrs(null)) {
            Map<VirtualRouter, ServerSocketChannel> ch = all.channels();
            // mgmt (VR-Mgmt and VR-Control share it: VR-Control represents it), dflt, vra, vrb
            assertEquals("[VR-Control, VR-Default, VR-A, VR-B]", ch.keySet().stream().map(VirtualRouter::name).toList().toString());
            all.bind(new InetSocketAddress(8080), 16);
            for (String[] c : new String[][]{{lab.hosta, "VR-A"}, {lab.hostb, "VR-B"}}) {
                try (NetNs host = NetNs.open(c[0]); SocketChannel client = NetNs.call(host, SocketChannel::open)) {
                    client.connect(new InetSocketAddress("10.0.0.1", 8080));
                    AllVrServerSocket.Accepted a = all.accept(Duration.ofSeconds(3));
                    assertEquals(c[1], a.vr().name());
                    a.channel().write(ByteBuffer.wrap(a.vr().name().getBytes(StandardCharsets.US_ASCII)));
                    a.channel().close();
                    assertEquals(c[1], new String(client.socket().getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
                }
            }
            assertThrows(SocketTimeoutException.class, () -> all.accept(Duration.ofMillis(200)));
        }
    }

    @Test
    void callsAfterCloseFailClearly() throws Exception {
        L3Socket<DatagramChannel> u = sockets.udpSocket("VR-A", null);
        u.close();
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> u.setVr("VR-B"));
        assertEquals("VR-A", u.vr().name());
        AllVrServerSocket all = sockets.serverSocketAllVrs(null);
        all.close();
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> all.accept(Duration.ofMillis(10)));
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> all.bind(new InetSocketAddress(8082), 1));
        RawIpSocket r = sockets.rawSocket("VR-A", RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        r.close();
        r.close(); // idempotent
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> r.setHeaderIncluded(true));
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> r.receive(new byte[10], 0, 10));
        assertTrue(owner.open().isEmpty());
    }

    @Test
    void vanishedNamespaceIsNamedAndLeaksNothing() throws Exception {
        String gone = lab.lab.namespace("gone");
        table.add(20, "VR-Gone", null, gone);
        lab.lab.exec(null, "ip", "netns", "del", gone).check();
        long before = VrLab.openFds();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sockets.openDatagramChannel("VR-Gone", null));
        assertTrue(e.getMessage().contains("VR-Gone") && e.getMessage().contains(gone), e.getMessage());
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class,
                () -> sockets.rawSocket("VR-Gone", RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP));
        assertTrue(r.getMessage().contains(gone), r.getMessage());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class, () -> sockets.serverSocketAllVrs(null));
        assertTrue(a.getMessage().contains(gone), a.getMessage());
        IllegalArgumentException u = assertThrows(IllegalArgumentException.class, () -> sockets.udpSocket("VR-Nope", null));
        assertTrue(u.getMessage().contains("VR-Nope"), u.getMessage());
        assertEquals(before, VrLab.openFds());
        assertTrue(owner.open().isEmpty());
    }

    @Test
    void releasingTheBundleClosesEverySocketItOpened() throws Exception {
        long before = VrLab.openFds();
        SocketOwner bundle = new SocketOwner(BundleIdentity.of(99, "org.example.leaky", "1.0.0"));
        table.addOwner(bundle);
        VrSocketsImpl s = new VrSocketsImpl(table, exec, bundle, table::hostDefault);
        DatagramChannel d = s.openDatagramChannel("VR-A", null);
        d.bind(null);
        SocketChannel t = s.openSocketChannel("VR-B", null);
        ServerSocketChannel l = s.openServerSocketChannel("VR-A", null);
        L3Socket<DatagramChannel> u = s.udpSocket("VR-B", null);
        u.setVr("VR-A");
        RawIpSocket r = s.rawSocket("VR-A", RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        AllVrServerSocket all = s.serverSocketAllVrs(null);
        all.bind(new InetSocketAddress(8081), 4);
        try (NetNs host = NetNs.open(lab.hosta); SocketChannel client = NetNs.call(host, SocketChannel::open)) {
            client.connect(new InetSocketAddress("10.0.0.1", 8081));
            all.accept(Duration.ofSeconds(3)); // the accepted channel is the bundle's too
        }
        assertTrue(VrLab.openFds() >= before + 11, "sockets are open");
        String listing = VrListing.render(table, exec);
        assertTrue(listing.contains("org.example.leaky [99]: ") && listing.contains("raw AF_INET protocol 1 VR-A(10)"), listing);
        assertTrue(listing.contains("interfaces: [lo, v0]"), listing);
        // the bundle stops: everything it left open is closed
        assertEquals(7, bundle.closeAll());
        table.removeOwner(bundle);
        assertFalse(d.isOpen() || t.isOpen() || l.isOpen() || u.isOpen() || r.isOpen() || all.isOpen());
        assertEquals(before, VrLab.openFds());
        assertThrows(IllegalStateException.class, () -> s.openDatagramChannel("VR-A", null));
        assertEquals(before, VrLab.openFds());
    }
}
