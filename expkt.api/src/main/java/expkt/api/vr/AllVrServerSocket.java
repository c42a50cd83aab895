package expkt.api.vr;

import org.osgi.annotation.versioning.ProviderType;

import java.io.Closeable;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A listening TCP socket that serves every VR (the seed's {@code set_vr("ALL")}, used by EXOS's own
 * web server): one kernel listening socket per distinct namespace or VRF device behind one object.
 * VRs that share one namespace share its socket (a port can be bound only once per namespace); the
 * connection is then attributed to the VR of the highest id among them (user VRs, then VR-Default,
 * VR-Control, VR-Mgmt).
 *
 * <p>The set of VRs is the registry's when the socket is made; VRs added later are not served.
 *
 * <p>Threading: {@link #accept()} may be called from one thread at a time (any kind of thread).
 */
@ProviderType
public interface AllVrServerSocket extends Closeable {

    /**
     * A connection accepted in one VR. The channel is in blocking mode and owned by the opening bundle.
     * A final class, not a record (since 2.0), so that it can grow without a breaking change; equals,
     * hashCode and toString are over both fields.
     */
    final class Accepted {
        private final VirtualRouter vr;
        private final SocketChannel channel;

        private Accepted(VirtualRouter vr, SocketChannel channel) {
            this.vr = vr;
            this.channel = channel;
        }

        /**
         * A connection of {@code channel} in {@code vr}; null gives an {@link IllegalArgumentException}.
         *
         * @since 2.0
         */
        public static Accepted of(VirtualRouter vr, SocketChannel channel) {
            if (vr == null || channel == null) {
                throw new IllegalArgumentException("accepted connection: " + (vr == null ? "VR" : "channel") + " is null");
            }
            return new Accepted(vr, channel);
        }

        /** The VR the connection came in on. */
        public VirtualRouter vr() {
            return vr;
        }

        /** The connection, in blocking mode. */
        public SocketChannel channel() {
            return channel;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Accepted a && vr.equals(a.vr) && channel.equals(a.channel);
        }

        @Override
        public int hashCode() {
            return Objects.hash(vr, channel);
        }

        @Override
        public String toString() {
            return "Accepted[vr=" + vr + ", channel=" + channel + "]";
        }
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
