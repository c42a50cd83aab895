package expkt.api.runtime;

import org.osgi.dto.DTO;

/**
 * A whiteboard handler or a socket callback (a row of {@code expkt:handlers}).
 *
 * <p>Threading: a copy owned by its caller.
 */
public class HandlerDTO extends DTO {
    /** A {@code PacketHandler} service of the whiteboard. */
    public static final String HANDLER = "handler";
    /** A {@code PacketCallback} set on a socket. */
    public static final String CALLBACK = "callback";

    /** {@link #HANDLER} or {@link #CALLBACK}. */
    public String kind;
    /** The handler's {@code service.id}; -1 for a callback, a parked socket or a stuck one whose service is gone. */
    public long serviceId;
    /** Bundle id of the bundle that registered it (for a parked socket: the last one). */
    public long bundleId;
    /** Symbolic name of that bundle (a callback: its socket's owner as commands show it). */
    public String symbolicName;
    /** Version of that bundle; null for a callback. */
    public String version;
    /** Filter name (a callback: its socket's filters, comma-separated). */
    public String filter;
    /** The match as {@code expkt:acl} shows it; null for a callback. */
    public String match;
    /**
     * State as {@code expkt:handlers} shows it: {@code active}, {@code backed off}, {@code stopping},
     * {@code parked N ms}, {@code stuck N ms}, {@code REJECTED: reason} (a callback: followed by its call count).
     */
    public String state;
    /** True while it is abandoned in a call past its deadline. */
    public boolean stuck;
    /** True while the lane waits before calling it again (its code left frames unread). */
    public boolean backedOff;
    /** True once it was moved to a lane of its own (found slow, or left alone by a stuck neighbour). */
    public boolean isolated;
    /** True while its socket is parked for its bundle's next revision (no handler bound). */
    public boolean parked;
    /** True if its registration was refused; see {@link #reason}. */
    public boolean rejected;
    /** Why it was refused; null otherwise. */
    public String reason;
    /** Id of its socket, or -1 (rejected). */
    public long socketId;
    /** Name of the lane it runs on ({@code lane-<bundle id>}, {@code shared}, {@code own-...}), or null. */
    public String lane;
    /** Its socket's busy-poll budget in force, µs (the handler's {@code expkt.rx.busy.poll.us} or the host default). @since 1.1 */
    public int busyPollMicros;
    /** Frames handed to it. */
    public long frames;
    /** Frames the kernel dropped on its socket (ring full). */
    public long drops;
    /** Calls that threw. */
    public long exceptions;
    /** Time spent in its calls, nanoseconds. */
    public long handleNanos;
    /**
     * Handle time per frame as a histogram: the upper bound of each bucket, nanoseconds, ascending;
     * the last is {@link Long#MAX_VALUE} (+Inf). The provider's buckets are fixed powers of two (the
     * dispatch lane shares the time of each call it measures among the frames the call handled). Null
     * when there is none (a rejected registration).
     */
    public long[] handleTimeBoundsNanos;
    /**
     * Frames per bucket of {@link #handleTimeBoundsNanos} (not cumulative): {@code handleTimeCounts[i]}
     * frames took more than bound {@code i-1} and at most bound {@code i}. Their sum is the number of
     * frames observed. Null when {@link #handleTimeBoundsNanos} is.
     */
    public long[] handleTimeCounts;
    /** Sum of the observed handle times, nanoseconds (the calls that handled at least one frame). */
    public long handleTimeSumNanos;
    /** Revisions of its bundle that served this socket (1, plus one per in-place update); 0 for a callback. */
    public int versions;
    /** The provider revision serving it; null for a rejected registration. */
    public ProviderRevisionDTO servedBy;
}
