package expkt.api.spi;

import org.osgi.annotation.versioning.ProviderType;

import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * The provider's engine as the keeper sees it: a service registered by {@code expkt.provider} while its
 * data plane is up. The keeper opens one {@link EngineSession} per protocol bundle on it and forwards
 * that bundle's calls; when this service goes (the provider stops or is updated), the keeper releases
 * the sessions and, when the next engine registers, opens new ones and replays every socket on them.
 *
 * <p>Threading: thread-safe.
 */
@ProviderType
public interface PacketEngine {

    /**
     * The sockets {@code owner} opens through the returned session are that owner's: shown with its name,
     * closed by {@link EngineSession#release()}.
     *
     * @param ownerStopping true while the owner's bundle is STOPPING to start again (its update): a socket
     *     closed then is parked for the bundle's next revision instead of closed (README-handlers.md)
     */
    EngineSession session(BundleIdentity owner, BooleanSupplier ownerStopping) throws IOException;

    /** What serves the sockets, for operators: e.g. {@code expkt.provider 0.1.0.SNAPSHOT (bundle 16, revision 2)}. */
    String revision();
}
