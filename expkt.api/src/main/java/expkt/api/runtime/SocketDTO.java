package expkt.api.runtime;

import org.osgi.dto.DTO;

import java.util.List;

/**
 * An open socket (a row of {@code expkt:sockets}).
 *
 * <p>Threading: a copy owned by its caller.
 */
public class SocketDTO extends DTO {
    /** An AF_PACKET socket of the provider (the API's {@code PacketSocket}). */
    public static final String L2 = "L2";

    /** Socket id, unique on the host while the provider runs ({@code #id} in commands). */
    public long id;
    /** Its kind: {@link #L2}. */
    public String kind;
    /** Bundle id of its owner; -1 outside OSGi. */
    public long ownerBundleId;
    /** The owner as commands show it. */
    public String owner;
    /** Name of the VR whose ports it receives from (the data plane's VR). */
    public String vr;
    /** {@code expkt.api.packet.RxMode} name: {@code THROUGHPUT} or {@code LATENCY}. */
    public String rxMode;
    /** True in blocking mode. */
    public boolean blocking;
    /** True if a {@code PacketCallback} is set on it (a whiteboard handler's socket has none: see {@link #lane}). */
    public boolean callback;
    /** Names of its filters. */
    public List<String> filters;
    /** Frames it received (taken from its ring) since it was opened. */
    public long frames;
    /** Frames the kernel dropped because its ring was full (PACKET_STATISTICS), since it was opened. */
    public long kernelDrops;
    /** Its busy-poll budget in force, µs ({@code SO_BUSY_POLL}: its own or the host default; 0: its lane sleeps at once). @since 1.1 */
    public int busyPollMicros;
    /** The dispatch lane reading it, or null when nobody reads it on a lane. */
    public String lane;
    /** The provider revision serving it. */
    public ProviderRevisionDTO servedBy;
    /**
     * True while it is parked: its owner closed it while the owner's bundle was stopping (an update or a
     * stop), and its kernel part (fd, ring, filters, nftables rules) waits for the bundle's next revision
     * to adopt it, frames queueing in its ring. @since 1.2
     */
    public boolean parked;
    /** Milliseconds since it was parked; -1 while it is not parked. @since 1.2 */
    public long parkedMillis = -1;
    /** How many revisions of its owner's bundle its kernel part has served (1: never adopted). @since 1.2 */
    public int revisions = 1;
    /** The id of the parked socket whose kernel part it adopted; 0 if none. @since 1.2 */
    public long adoptedFrom;
}
