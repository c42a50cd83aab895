package expkt.api.spi;

import expkt.api.packet.PacketService;

import java.io.IOException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One owner's {@link PacketService} on one engine revision (see {@link PacketEngine#session}).
 *
 * <p>Threading: thread-safe.
 */
@ProviderType
public interface EngineSession extends PacketService {

    /**
     * Closes every socket and selector the owner opened through this session, with their filters and
     * kernel rules (or parks them, while the owner's bundle is STOPPING to start again); returns how many
     * sockets were still open. Later calls to open fail.
     */
    int release();

    /**
     * The token under which {@code socket} (opened through this session) parks its kernel part when it is
     * closed while the engine stops for an update (see {@link EngineHandover}); 0 if it will not be parked
     * (not this session's, a handler or fanout socket, no keeper).
     */
    long handoverToken(expkt.api.packet.PacketSocket socket);

    /**
     * A socket of the owner made from the kernel part parked under {@code token} by the previous revision:
     * the frames that queued in its ring meanwhile are the first it delivers. Its options, filters and
     * callback are to be set up again by the caller, as on a new socket (the filters replace what the
     * kernel part had). Throws when nothing is parked under the token, or the part is stale (the fd no
     * longer that socket, another receive mode): the caller opens a new socket instead.
     */
    expkt.api.packet.PacketSocket adopt(long token, expkt.api.packet.RxMode mode) throws IOException;
}
