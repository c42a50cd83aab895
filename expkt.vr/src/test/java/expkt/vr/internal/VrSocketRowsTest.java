package expkt.vr.internal;

import expkt.api.runtime.VrSocketDTO;
import expkt.api.spi.BundleIdentity;
import expkt.api.vr.L3Socket;
import expkt.api.vr.RawIpSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runtime DTOs of the VR sockets ({@link VrSocketRows}, what {@code ExpktRuntime.vrSockets()} and
 * {@code expkt:sockets} show) for real sockets in the two-VR lab's namespaces: kind, VR, owner,
 * addresses, and a raw socket's received count following real ICMP replies; closed sockets leave the list.
 */
class VrSocketRowsTest {
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
        owner = new SocketOwner(BundleIdentity.of(77, "org.example.rows", "1.0.0"));
        table.addOwner(owner);
        sockets = new VrSocketsImpl(table, exec, owner, table::hostDefault);
    }

    @AfterEach
    void close() {
        owner.closeAll();
        table.removeOwner(owner);
        exec.close();
    }

    @Test
    void udpTcpAndRawSocketsOfTheVrsAreListedWithTheirAddressesAndCounts() throws Exception {
        assertEquals(List.of(), VrSocketRows.of(table), "no socket yet");
        L3Socket<DatagramChannel> udp = sockets.udpSocket("VR-A", StandardProtocolFamily.INET);
        udp.channel().bind(new InetSocketAddress("10.0.0.1", 0));
        int udpPort = ((InetSocketAddress) udp.channel().getLocalAddress()).getPort();
        L3Socket<SocketChannel> tcp = sockets.tcpSocket("VR-B", StandardProtocolFamily.INET);
        tcp.channel().socket().connect(new InetSocketAddress("10.0.0.2", VrLab.ECHO_PORT), 3000);
        RawIpSocket raw = sockets.rawSocket("VR-A", RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        raw.bind(InetAddress.getByName("10.0.0.1"));
        DatagramChannel plain = sockets.openDatagramChannel("VR-B", StandardProtocolFamily.INET);

        List<VrSocketDTO> rows = VrSocketRows.of(table);
        assertEquals(4, rows.size(), rows.toString());
        for (VrSocketDTO d : rows) {
            assertEquals(77, d.ownerBundleId);
            assertEquals("org.example.rows [77]", d.owner);
            assertFalse(d.callback, "no callback set: " + d);
            assertNull(d.lane);
        }
        VrSocketDTO u = row(rows, "VR-A", "udp");
        assertEquals(VrSocketDTO.L3, u.kind);
        assertEquals(10, u.vrId);
        assertEquals(17, u.ipProtocol);
        assertEquals("INET", u.family);
        assertEquals("/10.0.0.1:" + udpPort, u.localAddress);
        assertNull(u.remoteAddress);
        assertEquals(-1, u.received, "an L3 socket's reads are not counted");

        VrSocketDTO t = row(rows, "VR-B", "tcp");
        assertEquals(11, t.vrId);
        assertEquals(6, t.ipProtocol);
        assertEquals("/10.0.0.2:" + VrLab.ECHO_PORT, t.remoteAddress);
        assertTrue(t.localAddress.startsWith("/10.0.0.1:"), t.localAddress);

        VrSocketDTO r = row(rows, "VR-A", "raw");
        assertEquals(VrSocketDTO.RAW, r.kind);
        assertEquals(RawIpSocket.IPPROTO_ICMP, r.ipProtocol);
        assertEquals("/10.0.0.1", r.localAddress);
        assertEquals(0, r.received);

        VrSocketDTO p = row(rows, "VR-B", "udp");
        assertEquals(VrSocketDTO.L3, p.kind);
        assertNull(p.localAddress, "a plain channel not yet bound");
        assertNull(p.family);

        // two ICMP echo exchanges through the raw socket in VR-A: its count follows what it received
        raw.setHeaderIncluded(true);
        raw.setReceiveTimeout(Duration.ofSeconds(3));
        int id = 0x5200 | (int) (ProcessHandle.current().pid() & 0xff);
        for (int seq = 1; seq <= 2; seq++) {
            raw.send(ByteBuffer.wrap(VrSocketsTest.icmpEcho(id, seq)), null);
            assertEquals(seq, VrSocketsTest.awaitReply(raw, id));
        }
        long received = row(VrSocketRows.of(table), "VR-A", "raw").received;
        assertTrue(received >= 2, "received " + received + " (the replies, and whatever else ICMP came to it)");

        // closed sockets leave the list
        udp.close();
        raw.close();
        tcp.close();
        plain.close();
        assertEquals(List.of(), VrSocketRows.of(table));
    }

    private static VrSocketDTO row(List<VrSocketDTO> rows, String vr, String transport) {
        return rows.stream().filter(d -> d.vr.equals(vr) && d.transport.equals(transport)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + transport + " socket in " + vr + ": " + rows));
    }
}
