package expkt.protocol.examples;

import expkt.api.vr.RawIpSocket;
import expkt.api.vr.VrSockets;
import expkt.codec.InternetChecksum;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * The seed's Impacket example: an ICMP echo request with our own IP header on a raw socket. Impacket
 * (not part of the seed's API) is replaced by a few lines building the packet and the codec's
 * {@link InternetChecksum}.
 */
public final class RawIcmpExample {
    private RawIcmpExample() {
    }

    /** Builds the IPv4 + ICMP echo request Impacket would ({@code ip.get_packet()}). */
    public static byte[] echoRequest(InetAddress src, InetAddress dst, int id, int seq) {
        byte[] p = new byte[20 + 8 + 8];
        // ip = ImpactPacket.IP(); ip.set_ip_src(src); ip.set_ip_dst(dst) -- (the seed's lines are missing from its text)
        p[0] = 0x45;
        p[2] = (byte) (p.length >> 8);
        p[3] = (byte) p.length;
        p[8] = 64;                 // TTL
        p[9] = 1;                  // ICMP
        System.arraycopy(src.getAddress(), 0, p, 12, 4);
        System.arraycopy(dst.getAddress(), 0, p, 16, 4);
        // icmp = ImpactPacket.ICMP(); icmp.set_icmp_type(icmp.ICMP_ECHO)
        p[20] = 8;
        p[24] = (byte) (id >> 8);
        p[25] = (byte) id;
        p[26] = (byte) (seq >> 8);
        p[27] = (byte) seq;
        for (int i = 28; i < p.length; i++) {
            p[i] = (byte) i;
        }
        // icmp.auto_checksum = 1
        MemorySegment s = MemorySegment.ofArray(p);
        int icmpSum = InternetChecksum.finish(InternetChecksum.add(0, s, 20, p.length - 20));
        p[22] = (byte) (icmpSum >> 8);
        p[23] = (byte) icmpSum;
        int ipSum = InternetChecksum.finish(InternetChecksum.add(0, s, 0, 20));
        p[10] = (byte) (ipSum >> 8);
        p[11] = (byte) ipSum;
        return p;
    }

    /** Sends {@code packet} as the seed does; returns the socket (the caller reads the reply and closes it). */
    public static RawIpSocket send(VrSockets socket, String vr, byte[] packet) throws IOException {
        // sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        RawIpSocket sock = socket.rawSocket(vr, RawIpSocket.AF_INET, RawIpSocket.IPPROTO_ICMP);
        try {
            // sock.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
            sock.setsockopt(RawIpSocket.IPPROTO_IP, RawIpSocket.IP_HDRINCL, 1);
            // sock.sendto(ip.get_packet(), ("", 0)) -- "" (no address): with IP_HDRINCL the destination is the
            // one in the IP header we built; here that is a null destination
            sock.send(ByteBuffer.wrap(packet), null);
            return sock;
        } catch (IOException | RuntimeException e) {
            sock.close();
            throw e;
        }
    }
}
