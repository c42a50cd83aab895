package expkt.protocol.examples;

import static expkt.api.packet.Expkt.ETH_P_ALL;
import static expkt.api.packet.Expkt.PF_EXOS_PACKET;
import static expkt.api.packet.Expkt.SOCK_RAW;
import static expkt.api.packet.Expkt.UP_AND_CONTINUE;
import static expkt.api.packet.Expkt.htons;

import expkt.api.net.SlotPort;
import expkt.api.packet.ExosSockAddr;
import expkt.api.packet.Filter;
import expkt.api.packet.PacketSelector;
import expkt.api.packet.PacketService;
import expkt.api.packet.PacketSocket;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;

/** The seed's "Layer 2" section: the socket, filter1 and filter2, select() then recvfrom(), sendto. */
public final class Layer2Example {
    private Layer2Example() {
    }

    /** A received packet: the seed's {@code pkt, addr}. */
    public record Received(byte[] pkt, ExosSockAddr addr) {
    }

    /**
     * Opens the seed's socket with both filters. {@code prefix} keeps filter names unique across the
     * host (they are host-wide: the seed's plain "filter1" would clash with a second copy).
     */
    public static PacketSocket openWithFilters(PacketService socket, String prefix) throws IOException {
        // sock = socket.socket(socket.PF_EXOS_PACKET, socket.SOCK_RAW, socket.htons(socket.ETH_P_ALL))
        PacketSocket sock = socket.socket(PF_EXOS_PACKET, SOCK_RAW, htons(ETH_P_ALL));
        // (filter1) "any packet coming into the data plane (INGRESS) that is destined for MAC address
        // 00:E0:2B:00:00:00 will be put on the socket and also forwarded (UP_AND_CONTINUE)" -- the seed's
        // setup_filter line for it is missing from its text; this is the call its description gives
        sock.setupFilter(Filter.named(prefix + "filter1").dstmac("00:E0:2B:00:00:00").action(UP_AND_CONTINUE).build());
        // sock.setup_filter("filter2", ethertype=0x0842)
        sock.setupFilter(Filter.named(prefix + "filter2").ethertype(0x0842).build());
        return sock;
    }

    /**
     * "select() can be used to block for the next packet and recvfrom() can be used to retrieve a
     * packet": waits up to {@code timeout}; null if nothing came.
     */
    public static Received selectThenRecvfrom(PacketService socket, PacketSocket sock, Duration timeout) throws IOException {
        try (PacketSelector selector = socket.selector()) {
            selector.register(sock, null);
            // select.select([sock], [], [], timeout)
            if (selector.select(timeout) == 0) {
                return null;
            }
            // pkt, addr = sock.recvfrom(8192)
            byte[] buf = new byte[8192];
            ExosSockAddr addr = new ExosSockAddr();
            sock.setBlocking(false); // the selected socket is read without blocking, as after select(2)
            int n = sock.recvfrom(buf, addr);
            if (n < 0) {
                return null; // -1: no frame (Python would raise)
            }
            // "pkt is a string containing the entire packet, including L2 headers, and addr is an ExosSockAddr"
            return new Received(Arrays.copyOf(buf, n), addr.copy());
        }
    }

    /** The seed's two sends. */
    public static void send(PacketSocket sock, byte[] pkt, String vlanName) throws IOException {
        // sock.sendto(pkt, slot_ports=[(1,1),(1,2)])
        sock.sendto(pkt, SlotPort.of(1, 1), SlotPort.of(1, 2));
        if (vlanName != null) {
            // sock.sendto(pkt, vlan_name="foo") -- forwarded as the seed says: a known unicast destination
            // out of its one port, anything else flooded to the VLAN's members (expkt:fdb shows what is known)
            sock.sendto(pkt, vlanName);
        }
    }
}
