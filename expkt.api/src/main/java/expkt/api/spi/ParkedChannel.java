package expkt.api.spi;

import expkt.api.vr.VirtualRouter;

import java.nio.channels.NetworkChannel;
import java.util.Objects;

/**
 * A JDK channel between two {@code expkt.vr} revisions: a plain channel of
 * {@link expkt.api.vr.VrSockets#openDatagramChannel} and its siblings ({@link VrSession#parkChannels},
 * {@link VrSession#adoptChannel}), or the channel of an {@link expkt.api.vr.L3Socket}
 * ({@link VrSession#parkL3}, {@link VrSession#adoptL3}), or one listening channel of an
 * {@link expkt.api.vr.AllVrServerSocket} ({@link ParkedAllVrServerSocket}). The channel is a java.base object: it is never
 * closed by the swap, only what wraps it and its bookkeeping (whose it is, which VR, for the listings and
 * the close when the bundle stops) move to the next revision.
 *
 * @param kind {@code udp}, {@code tcp} or {@code tcp-listen}
 * @param vr the VR it was made in
 * @param channel the channel
 * @param family the protocol family an L3 socket makes its channels with (a VR change makes a new one); null for a plain channel
 */
public record ParkedChannel(String kind, VirtualRouter vr, NetworkChannel channel, java.net.ProtocolFamily family) {
    public ParkedChannel {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(vr, "vr");
        Objects.requireNonNull(channel, "channel");
    }
}
