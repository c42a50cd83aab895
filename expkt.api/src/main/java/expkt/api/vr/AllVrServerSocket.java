package expkt.api.vr;

import org.osgi.annotation.versioning.ProviderType;

import java.io.Closeable;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;

/**
 * A listening TCP socket that serves every VR (the seed's {@code set_vr("ALL")}, used by EXOS's own
 * web server): one kernel listening socket per distinct namespace or VRF device behind one object.
 * VRs that share one namespace share its socket (a port can be bound only once per namespace); the
 * connection is then attributed to the VR {@link VirtualRouters#byNamespaceInode} names.
 *
 * <p>The set of VRs is the registry's when the socket is made; VRs added later are not served.
 *
 * <p>Threading: {@link #accept()} may be called from one thread at a time (any kind of thread).
 */
@ProviderType
public interface AllVrServerSocket extends Closeable {

    /** A connection accepted in one VR. The channel is in blocking mode and owned by the opening bundle. */
    record Accepted(VirtualRouter vr, SocketChannel channel) {
    }

    /** Binds every VR's listening socket to {@code local} (an address every VR has: a wildcard). */
    void bind(SocketAddress local, int backlog) throws IOException;

    /** The listening channel of each VR served (one entry per kernel socket). */
    Map<VirtualRouter, ServerSocketChannel> channels();

    /** Waits for a connection in any VR. */
    Accepted accept() throws IOException;

    /** Waits up to {@code timeout} for a connection in any VR; a timeout gives a {@link java.net.SocketTimeoutException}. */
    Accepted accept(Duration timeout) throws IOException;

    boolean isOpen();
}
