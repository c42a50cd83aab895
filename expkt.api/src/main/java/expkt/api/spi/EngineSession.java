package expkt.api.spi;

import expkt.api.packet.PacketService;
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
}
