package expkt.api.packet;

import java.util.Locale;

/**
 * How a socket's receive ring hands frames to the socket: chosen per socket when it is opened
 * ({@link PacketService#open(RxMode)}), or per whiteboard handler with the service property
 * {@value #PROPERTY} ({@code "throughput"} or {@code "latency"}) or
 * {@code @HandlerFilter(rx_mode = RxMode.LATENCY)} (since 2.0; the property wins when both are given). Either way the socket receives the
 * same frames with the same addresses (ports, VLAN, timestamps) and allocates nothing per frame; what
 * differs is when the receiver is woken.
 */
public enum RxMode {
    /**
     * The default: frames are gathered in ring blocks (TPACKET_V3) and the receiver is woken once per
     * block, when it is full or a few milliseconds after its first frame. The least CPU per frame at
     * high rates; a frame may wait up to that timeout (2 ms by default) before the receiver sees it.
     */
    THROUGHPUT,
    /**
     * The receiver is woken for every frame (a TPACKET_V2 ring of fixed-size frame slots): a request
     * is seen microseconds after it arrived, for protocols that answer (echo, ARP, hellos with tight
     * timers), at the cost of a wake-up per frame when frames come slower than the receiver reads.
     */
    LATENCY;

    /** Service property of a whiteboard {@code PacketHandler} naming its mode; absent means {@link #THROUGHPUT}. */
    public static final String PROPERTY = "expkt.rx.mode";

    /**
     * Busy-poll budget in microseconds (0..10,000), as {@link Expkt#SO_BUSY_POLL} sets it on a socket:
     * as a service property of a whiteboard {@code PacketHandler} (an Integer or its String), for the
     * handler's sockets; as a framework (system) property of the host, the default of every socket
     * that sets none. Absent: 0 for {@link #THROUGHPUT} sockets (their ring shows frames a retired block
     * at a time: polling for the next block only burns CPU), 100 µs for {@link #LATENCY} sockets (the
     * next request is seen without a wake-up).
     *
     * @since 1.5
     */
    public static final String BUSY_POLL_PROPERTY = "expkt.rx.busy.poll.us";

    /** Parses {@code "throughput"} or {@code "latency"} (any case); anything else is rejected naming the value. */
    public static RxMode parse(String value) {
        if (value != null) {
            switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "throughput":
                    return THROUGHPUT;
                case "latency":
                    return LATENCY;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("receive mode \"" + value + "\" is not one of \"throughput\", \"latency\"");
    }
}
