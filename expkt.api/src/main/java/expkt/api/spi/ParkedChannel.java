package expkt.api.spi;

import expkt.api.vr.VirtualRouter;

import java.nio.channels.NetworkChannel;
import java.util.Objects;

/**
 * A plain JDK channel of {@link expkt.api.vr.VrSockets#openDatagramChannel} and its siblings between two
 * {@code expkt.vr} revisions ({@link VrSession#parkChannels}, {@link VrSession#adoptChannel}). The channel
 * is a java.base object the protocol holds itself: it is never closed by the swap, only its bookkeeping
 * (whose it is, which VR, for the listings and the close when the bundle stops) moves to the next revision.
 *
 * @param kind {@code udp}, {@code tcp} or {@code tcp-listen}
 * @param vr the VR it was made in
 * @param channel the channel
 */
public record ParkedChannel(String kind, VirtualRouter vr, NetworkChannel channel) {
    public ParkedChannel {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(vr, "vr");
        Objects.requireNonNull(channel, "channel");
    }
}
