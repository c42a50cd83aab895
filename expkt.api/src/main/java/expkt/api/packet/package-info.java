/**
 * Layer 2 packet sockets on the data plane (the seed's {@code PF_EXOS_PACKET} sockets): named
 * filters that bring frames up to the socket, receive with the frame's source address, and send to
 * ports or into a VLAN; the seed's {@code select()} over L2, L3 and raw sockets
 * ({@link expkt.api.packet.PacketSelector}, since 1.4).
 *
 * <p>Get a {@link expkt.api.packet.PacketService} from the service registry; it is a per-bundle
 * service, so every socket, filter and kernel rule is owned by the bundle that opened it and is
 * released when that bundle stops, even if its code forgot to close it.
 */
@Export
@Version("1.5.0")
package expkt.api.packet;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
