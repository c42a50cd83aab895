/**
 * Layer 2 packet sockets on the data plane (the seed's {@code PF_EXOS_PACKET} sockets): named
 * filters that bring frames up to the socket, receive with the frame's source address, and send to
 * ports or into a VLAN; the seed's {@code select()} over L2, L3 and raw sockets
 * ({@link expkt.api.packet.PacketSelector}, since 1.4).
 *
 * <p>2.0: a frame comes up whole, with the outer VLAN tag the kernel had moved into metadata back in
 * place, and {@link expkt.api.packet.FrameView} is a read-only contract whose reads fail once the frame
 * is released (it was a class whose {@code wrap}, {@code segment()} and {@code offset()} exposed the
 * whole writable receive ring; the implementation is the provider-only {@code expkt.api.spi.FrameWindow}).
 * {@link expkt.api.packet.ExosSockAddr} has no public setter: {@code set} and {@code setVlanTag} are the
 * provider-only {@code expkt.api.spi.ExosSockAddrs}'s.
 *
 * <p>Get a {@link expkt.api.packet.PacketService} from the service registry; it is a per-bundle
 * service, so every socket, filter and kernel rule is owned by the bundle that opened it and is
 * released when that bundle stops, even if its code forgot to close it.
 */
@Export
@Version("2.0.0")
package expkt.api.packet;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
