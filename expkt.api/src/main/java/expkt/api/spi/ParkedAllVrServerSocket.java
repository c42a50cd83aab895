package expkt.api.spi;

import java.nio.channels.Selector;
import java.util.List;
import java.util.Objects;

/**
 * An {@link expkt.api.vr.AllVrServerSocket} between two {@code expkt.vr} revisions ({@link VrSession#parkAll},
 * {@link VrSession#adoptAll}): its listening channels, one {@code tcp-listen} {@link ParkedChannel} per kernel
 * scope with the VR it serves, and the selector they are registered with. All are java.base objects, handed
 * over unclosed: the connections that arrive during the swap wait in the channels' backlogs, and no descriptor
 * is closed or made again.
 *
 * @param channels the listening channels, at least one
 * @param selector the selector every channel is registered with for {@code OP_ACCEPT}
 * @since 1.7.0
 */
public record ParkedAllVrServerSocket(List<ParkedChannel> channels, Selector selector) {
    public ParkedAllVrServerSocket {
        channels = List.copyOf(Objects.requireNonNull(channels, "channels"));
        Objects.requireNonNull(selector, "selector");
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("an ALL server socket has at least one listening channel");
        }
    }
}
