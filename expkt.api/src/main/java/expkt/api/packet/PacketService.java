package expkt.api.packet;

import org.osgi.annotation.versioning.ProviderType;

import java.io.IOException;
import java.util.List;

/**
 * Opens L2 packet sockets on the data plane. Registered as a per-bundle service (a
 * {@code ServiceFactory}): the instance a bundle gets records that bundle as the owner of every
 * socket it opens, and the provider closes them all when the bundle stops.
 */
@ProviderType
public interface PacketService {

    /**
     * The seed's way: {@code socket(PF_EXOS_PACKET, SOCK_RAW, htons(ETH_P_ALL))}. Any other domain,
     * type or protocol is rejected naming the bad value.
     */
    PacketSocket socket(int domain, int type, int protocol) throws IOException;

    /** Same as {@code socket(PF_EXOS_PACKET, SOCK_RAW, htons(ETH_P_ALL))}. */
    PacketSocket open() throws IOException;

    /**
     * Opens a socket whose receive ring works in {@code mode} ({@link RxMode#LATENCY}: the receiver is
     * woken per frame; {@link RxMode#THROUGHPUT}: what {@link #open()} gives). A null mode is rejected.
     *
     * @since 1.2
     */
    PacketSocket open(RxMode mode) throws IOException;

    /**
     * A new selector (the seed's {@code select()}) over L2, L3 and raw IP sockets; owned by the calling
     * bundle and closed when it stops.
     *
     * @since 1.4
     */
    PacketSelector selector() throws IOException;

    /** The data plane's ports, in slot:port order. */
    List<Port> ports();

    /** The configured VLANs, by name. */
    List<Vlan> vlans();
}
