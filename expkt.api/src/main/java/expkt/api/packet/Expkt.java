package expkt.api.packet;

/**
 * The seed's constants, with the same names, so that code ported from an EXOS Python app reads the
 * same: {@code service.socket(PF_EXOS_PACKET, SOCK_RAW, htons(ETH_P_ALL))}.
 */
public final class Expkt {
    /** Socket domain of the EXOS packet interface (EXOS's own value). */
    public static final int PF_EXOS_PACKET = 40;
    /** Raw socket type, as in {@code <sys/socket.h>}. */
    public static final int SOCK_RAW = 3;
    /** Every protocol, as in {@code <linux/if_ether.h>}; pass {@code htons(ETH_P_ALL)} as the seed does. */
    public static final int ETH_P_ALL = 0x0003;

    public static final FilterAction UP_AND_CONTINUE = FilterAction.UP_AND_CONTINUE;
    public static final FilterAction UP_AND_DROP = FilterAction.UP_AND_DROP;
    public static final Direction INGRESS = Direction.INGRESS;
    public static final Direction EGRESS = Direction.EGRESS;
    public static final Direction BOTH = Direction.BOTH;

    /** Socket level of {@link #SO_VRID}. */
    public static final int SOL_SOCKET = 1;
    /** Socket option: the socket's virtual router id (EXOS value 37). */
    public static final int SO_VRID = 37;
    /**
     * Socket option at {@link #SOL_SOCKET} (Linux's number and unit; expkt's meaning): how many
     * microseconds the dispatch lane running this socket's callback (or whiteboard handler) looks at the
     * socket's ring before it sleeps in {@code epoll_wait}, 0..10,000. A frame that comes within it is
     * handed over without a wake-up (the ~10-30 µs a sleeping thread costs here), at the price of the
     * CPU the lane burns while it polls: it spins briefly, then yields the CPU between looks, so a peer
     * on the same CPU still runs. A lane polls as long as the largest value among its sockets.
     * {@code getsockopt} returns the value in force: the socket's own, or the host's default
     * ({@link RxMode#BUSY_POLL_PROPERTY}). Affects lanes only, not a thread blocked in a receive.
     *
     * @since 1.5
     */
    public static final int SO_BUSY_POLL = 46;

    private Expkt() {
    }

    /** Host to network byte order of a 16-bit value, as Python's {@code socket.htons}. */
    public static int htons(int v) {
        if (v < 0 || v > 0xFFFF) {
            throw new IllegalArgumentException("htons value " + v + " is outside 0..0xFFFF");
        }
        return ((v & 0xFF) << 8) | (v >>> 8);
    }
}
