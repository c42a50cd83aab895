package expkt.api.packet;

import expkt.api.net.SlotPort;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A send to several ports (a port list, a VLAN, a burst) that some ports did not take: the frame was
 * handed to every other port, and this exception names each port that refused it and why (the
 * kernel's error for it, e.g. ENETDOWN for a port that is down). Thrown after the send, never before:
 * the ports not named here got the frame(s).
 *
 * <p>Checks that fail before anything is sent (an unknown port or VLAN, a frame longer than a port
 * takes) are {@link IllegalArgumentException}s as before; a send to a single port that fails is a
 * {@code PartialSendException} naming that port, with {@link #sent()} 0.
 *
 * <p>Immutable; safe to pass between threads.
 *
 * @since 1.3
 */
public class PartialSendException extends IOException {
    private static final long serialVersionUID = 1L;
    private final Map<SlotPort, String> failed;
    private final int sent;
    private final int attempted;

    /**
     * @param failed each port that did not take the frame(s) and why, in the order they were tried
     * @param sent frame-port sends the kernel accepted
     * @param attempted frame-port sends tried
     */
    public PartialSendException(Map<SlotPort, String> failed, int sent, int attempted) {
        super(message(failed, sent, attempted));
        this.failed = Collections.unmodifiableMap(new LinkedHashMap<>(failed));
        this.sent = sent;
        this.attempted = attempted;
    }

    private static String message(Map<SlotPort, String> failed, int sent, int attempted) {
        return "sent " + sent + " of " + attempted + " frame-port send(s); not sent to " + failed.entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", "));
    }

    /** The ports that did not take the frame(s), each with the reason (interface name and the kernel's error). */
    public Map<SlotPort, String> failedPorts() {
        return failed;
    }

    /** How many frame-port sends the kernel accepted (a frame to two ports counts two). */
    public int sent() {
        return sent;
    }

    /** How many frame-port sends were tried. */
    public int attempted() {
        return attempted;
    }
}
