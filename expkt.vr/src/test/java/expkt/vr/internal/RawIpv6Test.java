package expkt.vr.internal;

import expkt.api.spi.BundleIdentity;
import expkt.api.vr.RawIpSocket;
import expkt.lab.Lab;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Raw AF_INET6 sockets in a VR: ICMPv6 echo, with the kernel's header and with our own (IPV6_HDRINCL). */
class RawIpv6Test {

    @Test
    void icmpv6EchoIsAnsweredWithAndWithoutOurOwnHeader() throws Exception {
        try (Lab lab = Lab.builder().ports(0).ipv6(true).build(); VrExec exec = new VrExec()) {
            String vr = lab.namespace("v6r");
            String host = lab.namespace("v6h");
            lab.link(vr, "v0", host, "h0");
            lab.exec(vr, "ip", "addr", "add", "fd00:78::1/64", "dev", "v0", "nodad").check();
            lab.exec(host, "ip", "addr", "add", "fd00:78::2/64", "dev", "h0", "nodad").check();
            VrTable table = new VrTable(VrfSupport.detect());
            table.add(30, "VR-Six", null, vr);
            SocketOwner owner = new SocketOwner(BundleIdentity.outsideOsgi("test"));
            VrSocketsImpl sockets = new VrSocketsImpl(table, exec, owner, table::hostDefault);
            InetAddress peer = InetAddress.getByName("fd00:78::2");
            int id = 0x6000 | (int) (ProcessHandle.current().pid() & 0xff);
            try (RawIpSocket raw = sockets.rawSocket("VR-Six", RawIpSocket.AF_INET6, RawIpSocket.IPPROTO_ICMPV6)) {
                raw.setReceiveTimeout(Duration.ofSeconds(3));
                // the kernel adds the IPv6 header and the ICMPv6 checksum
                byte[] echo = {(byte) 128, 0, 0, 0, (byte) (id >>> 8), (byte) id, 0, 1, 'x', 'k'};
                raw.send(echo, 0, echo.length, peer);
                assertEquals(1, awaitReply(raw, id, peer));
                // our own IPv6 header: the checksum is ours to compute as well
                raw.setHeaderIncluded(true);
                assertEquals(1, raw.getsockopt(RawIpSocket.IPPROTO_IPV6, RawIpSocket.IPV6_HDRINCL));
                byte[] pkt = ipv6Echo(InetAddress.getByName("fd00:78::1").getAddress(), peer.getAddress(), id, 2);
                raw.send(ByteBuffer.wrap(pkt), null);
                assertEquals(2, awaitReply(raw, id, peer));
            }
            assertTrue(owner.open().isEmpty());
        }
    }

    /** AF_INET6 raw sockets receive the ICMPv6 message without the IPv6 header. */
    private static int awaitReply(RawIpSocket raw, int id, InetAddress peer) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(1500);
        try {
            while (true) {
                buf.clear();
                InetAddress from = raw.receive(buf);
                if (buf.position() >= 8 && (buf.get(0) & 0xff) == 129 && (buf.getShort(4) & 0xffff) == id) {
                    assertEquals(peer, from);
                    return buf.getShort(6) & 0xffff;
                }
            }
        } catch (SocketTimeoutException e) {
            return -1;
        }
    }

    private static byte[] ipv6Echo(byte[] src, byte[] dst, int id, int seq) {
        byte[] icmp = {(byte) 128, 0, 0, 0, (byte) (id >>> 8), (byte) id, (byte) (seq >>> 8), (byte) seq, 'x', 'k'};
        // checksum over the pseudo-header: src, dst, upper-layer length, next header 58
        byte[] pseudo = new byte[40 + icmp.length];
        System.arraycopy(src, 0, pseudo, 0, 16);
        System.arraycopy(dst, 0, pseudo, 16, 16);
        pseudo[35] = (byte) icmp.length;
        pseudo[39] = 58;
        System.arraycopy(icmp, 0, pseudo, 40, icmp.length);
        int sum = VrSocketsTest.checksum(pseudo, 0, pseudo.length);
        icmp[2] = (byte) (sum >>> 8);
        icmp[3] = (byte) sum;
        byte[] p = new byte[40 + icmp.length];
        p[0] = 0x60;
        p[5] = (byte) icmp.length;
        p[6] = 58;
        p[7] = 64;
        System.arraycopy(src, 0, p, 8, 16);
        System.arraycopy(dst, 0, p, 24, 16);
        System.arraycopy(icmp, 0, p, 40, icmp.length);
        return p;
    }
}
