package expkt.api.vr;

import org.osgi.annotation.versioning.ProviderType;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Opens L3 sockets inside virtual routers. A per-bundle service: every socket or channel it opens is
 * owned by the bundle that got the service and is closed when that bundle stops (ungets it).
 *
 * <p>A {@code vr} argument is a VR name; {@code null} means the bundle's affinity ({@link #affinity()}):
 * the VR the bundle declares (configuration {@code expkt.vr.affinity} over its
 * {@code Expkt-VirtualRouter} manifest header), else the host default. An unknown name, or a VR
 * whose namespace vanished, gives an {@link IllegalArgumentException} naming it, and nothing is left open.
 *
 * <p>Sockets are made in the VR's namespace on a platform thread (a virtual-thread caller is served by
 * a short-lived platform helper thread), and the creating thread is always switched back. The channels
 * returned are ordinary JDK channels: use them from any thread, virtual ones included.
 *
 * <p>{@code family} is {@link java.net.StandardProtocolFamily#INET} or {@code INET6}; null is INET.
 */
@ProviderType
public interface VrSockets {

    /** The VR a {@code null} vr argument means for this bundle. */
    VirtualRouter affinity();

    /** A plain UDP channel in the VR. */
    DatagramChannel openDatagramChannel(String vr, ProtocolFamily family) throws IOException;

    /** A plain (unconnected) TCP channel in the VR. */
    SocketChannel openSocketChannel(String vr, ProtocolFamily family) throws IOException;

    /** A plain (unbound) TCP listening channel in the VR. */
    ServerSocketChannel openServerSocketChannel(String vr, ProtocolFamily family) throws IOException;

    /** An expkt UDP socket (with set_vr / SO_VRID). */
    L3Socket<DatagramChannel> udpSocket(String vr, ProtocolFamily family) throws IOException;

    /** An expkt TCP client socket (with set_vr / SO_VRID). */
    L3Socket<SocketChannel> tcpSocket(String vr, ProtocolFamily family) throws IOException;

    /** An expkt TCP listening socket (with set_vr / SO_VRID). For every VR at once see {@link #serverSocketAllVrs}. */
    L3Socket<ServerSocketChannel> tcpServerSocket(String vr, ProtocolFamily family) throws IOException;

    /**
     * A raw IP socket: {@code socket(domain, SOCK_RAW, protocol)} in the VR, {@code domain}
     * {@code AF_INET} (2) or {@code AF_INET6} (10), {@code protocol} 1..255 (e.g. 1 = ICMP, 255 = raw).
     */
    RawIpSocket rawSocket(String vr, int domain, int protocol) throws IOException;

    /** A listening TCP socket serving every VR ({@code ALL}). */
    AllVrServerSocket serverSocketAllVrs(ProtocolFamily family) throws IOException;
}
