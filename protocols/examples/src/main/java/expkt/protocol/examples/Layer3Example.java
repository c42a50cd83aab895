package expkt.protocol.examples;

import static expkt.api.packet.Expkt.SOL_SOCKET;
import static expkt.api.packet.Expkt.SO_VRID;

import expkt.api.vr.L3Socket;
import expkt.api.vr.VrSockets;

import java.io.IOException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;

/** The seed's "Layer 3" section: sockets in the process's VR, a socket bound to another VR, SO_VRID. */
public final class Layer3Example {
    private Layer3Example() {
    }

    /** The two sockets of the seed's example. */
    public record Sockets(L3Socket<DatagramChannel> udp, L3Socket<SocketChannel> tcp) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            udp.close();
            tcp.close();
        }
    }

    /** "Layer 3 sockets are created as normal", in the bundle's VR affinity (VR-Mgmt unless set). */
    public static Sockets create(VrSockets socket) throws IOException {
        // udp_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        L3Socket<DatagramChannel> udpSock = socket.udpSocket(null, null);
        // tcp_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        L3Socket<SocketChannel> tcpSock = socket.tcpSocket(null, null);
        return new Sockets(udpSock, tcpSock);
    }

    /** "An individual socket can be bound to a different virtual router" (the seed's set_vr / set_vrid by name). */
    public static void bindToVr(L3Socket<?> sock, String vrName) throws IOException {
        // sock.set_vrid(vr_name) -- the seed's code line is missing from its text; "To set the virtual router by
        // name, see set_vrid()": by name is setVr
        sock.setVr(vrName);
    }

    /** "the following puts sock2 in the same VR as sock1". */
    public static int sameVr(L3Socket<?> sock1, L3Socket<?> sock2) throws IOException {
        // vrid=sock1.getsockopt(SOL_SOCKET, socket.SO_VRID)
        int vrid = sock1.getsockopt(SOL_SOCKET, SO_VRID);
        // sock2.setsockopt(SOL_SOCKET, socket.SO_VRID, vrid)
        sock2.setsockopt(SOL_SOCKET, SO_VRID, vrid);
        return vrid;
    }
}
