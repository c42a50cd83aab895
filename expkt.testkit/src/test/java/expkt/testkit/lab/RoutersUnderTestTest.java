package expkt.testkit.lab;

import expkt.api.vr.L3Socket;
import expkt.api.vr.VrSockets;
import expkt.lab.Lab;
import expkt.lab.Topologies;
import expkt.lab.TwoVrs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kit's VR sockets are expkt.vr's in the topology's namespaces: the same address answers from
 * VR-A's host in VR-A and from VR-B's in VR-B, and releasing a bundle closes what it left open.
 */
class RoutersUnderTestTest {
    static TwoVrs vrs;

    @BeforeAll
    static void buildLab() throws Exception {
        Lab.cleanStale();
        vrs = Topologies.twoVrs();
        vrs.startEchoServers(Files.createTempDirectory("xkkit"));
    }

    @AfterAll
    static void removeLab() {
        if (vrs != null) {
            vrs.close();
        }
    }

    static String echo(DatagramChannel ch, String msg) throws Exception {
        ch.socket().setSoTimeout(3000);
        ch.send(ByteBuffer.wrap(msg.getBytes(StandardCharsets.US_ASCII)), new InetSocketAddress(vrs.hostAAddress(), TwoVrs.ECHO_PORT));
        java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[2048], 2048);
        ch.socket().receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    @Test
    void eachVrReachesItsOwnHostAndReleaseClosesWhatIsLeft() throws Exception {
        try (RoutersUnderTest routers = RoutersUnderTest.on(vrs)) {
            VrSockets sockets = routers.sockets("org.example.udp");
            try (DatagramChannel a = sockets.openDatagramChannel(TwoVrs.VR_A, StandardProtocolFamily.INET);
                 DatagramChannel b = sockets.openDatagramChannel(TwoVrs.VR_B, StandardProtocolFamily.INET)) {
                assertEquals("A:hi", echo(a, "hi"));
                assertEquals("B:hi", echo(b, "hi"));
            }
            assertEquals(0, routers.openSockets("org.example.udp"), "closed by the test");
            L3Socket<DatagramChannel> left = sockets.udpSocket(TwoVrs.VR_A, StandardProtocolFamily.INET);
            assertEquals(1, routers.openSockets("org.example.udp"));
            assertEquals(1, routers.release("org.example.udp"));
            assertFalse(left.isOpen(), "release closed the socket the bundle left open");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> routers.sockets("org.example.other").openDatagramChannel("VR-Nowhere", StandardProtocolFamily.INET));
            assertTrue(e.getMessage().contains("VR-Nowhere"), e.getMessage());
        }
    }
}
