package expkt.provider.dispatch;

import expkt.api.packet.Expkt;
import expkt.api.packet.RxMode;

/**
 * The busy-poll setting ({@link Expkt#SO_BUSY_POLL}, the handler property and host-wide default
 * {@link RxMode#BUSY_POLL_PROPERTY}): microseconds a lane may poll a socket's ring before it blocks.
 * One parser, so the socket option, the handler property and the framework property accept and refuse
 * the same values with the same words.
 *
 * <p>Threading: static and stateless.
 */
public final class BusyPoll {
    /**
     * Largest budget: 10 ms. A frame waits at most a wake-up (~10-30 µs here) when the lane blocks, so a
     * budget beyond a few hundred µs buys nothing but CPU; 10 ms is the bound of a mistake, not advice.
     */
    public static final int MAX_MICROS = 10_000;

    private BusyPoll() {
    }

    /**
     * Parses a budget in µs: an Integer/Long (or a String of one) within 0..{@value #MAX_MICROS}.
     *
     * @param where names the setting in the message (e.g. {@code "handler \"lldp\": expkt.rx.busy.poll.us"})
     * @throws IllegalArgumentException naming the value and the bounds
     */
    public static int parseMicros(Object value, String where) {
        long v;
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            v = ((Number) value).longValue();
        } else if (value instanceof String s) {
            try {
                v = Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + " \"" + s + "\" is not a whole number of microseconds (0.." + MAX_MICROS + ")");
            }
        } else {
            throw new IllegalArgumentException(where + " " + value + (value == null ? "" : " (" + value.getClass().getSimpleName() + ")")
                    + " is not a whole number of microseconds (0.." + MAX_MICROS + ")");
        }
        return check(v, where);
    }

    /** {@code micros} if within 0..{@value #MAX_MICROS}; otherwise the exception names it. */
    public static int check(long micros, String where) {
        if (micros < 0 || micros > MAX_MICROS) {
            throw new IllegalArgumentException(where + " " + micros + " µs is outside 0.." + MAX_MICROS);
        }
        return (int) micros;
    }
}
