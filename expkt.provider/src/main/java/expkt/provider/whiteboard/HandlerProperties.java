package expkt.provider.whiteboard;

import expkt.api.handler.HandlerFilter;
import expkt.api.handler.PacketHandler;
import expkt.api.packet.Filter;
import expkt.api.packet.RxMode;
import expkt.provider.rx.Fanout;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Reads a {@link PacketHandler} service's filter from its properties (those of
 * {@link expkt.api.handler.HandlerFilter}): {@code expkt.filter.name} (required), {@code .dstmac},
 * {@code .ethertype} (a Number that is exactly an int, or a String such as "0x88CC"), {@code .action}, {@code .direction},
 * {@code .vr}, {@code .ethertype.offset}; {@code .rx.mode} is the receive mode ({@link #rxMode}). Each
 * {@code expkt.filter.<key>} goes through the API's one filter key=value parser
 * ({@link Filter.Builder#set(String, Object)}), so a bad value gives the same IllegalArgumentException
 * (naming the filter, the key and the value) as {@code expkt:capture}'s filter argument; an unknown
 * {@code expkt.filter.*} key is refused the same way, not ignored. Empty strings and -1 mean "not set",
 * as the property type writes them.
 */
public final class HandlerProperties {
    /** The {@code expkt.filter.*} key of the receive mode, which is not a filter key. */
    private static final String RX_MODE_KEY = PacketHandler.FILTER_RX_MODE.substring(HandlerFilter.PREFIX_.length());

    private HandlerProperties() {
    }

    public static Filter filter(Map<String, ?> props) {
        Object name = props.get(PacketHandler.FILTER_NAME);
        if (!(name instanceof String n) || n.isEmpty()) {
            throw new IllegalArgumentException("handler service property " + PacketHandler.FILTER_NAME + " is required and was "
                    + (name == null ? "absent" : "\"" + name + "\""));
        }
        Filter.Builder b = Filter.named(n);
        for (Map.Entry<String, ?> e : props.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(HandlerFilter.PREFIX_) && !key.equals(PacketHandler.FILTER_NAME)) {
                String k = key.substring(HandlerFilter.PREFIX_.length());
                if (!k.equals(RX_MODE_KEY)) {
                    b.set(k, e.getValue());
                }
            }
        }
        return b.build();
    }

    /**
     * The handler's receive mode from {@link RxMode#PROPERTY} ({@code "throughput"} or
     * {@code "latency"}, any case), else from {@link PacketHandler#FILTER_RX_MODE} (what
     * {@link HandlerFilter#rx_mode()} writes); absent or empty means THROUGHPUT. A bad value gives an
     * IllegalArgumentException naming the property and the value.
     */
    public static RxMode rxMode(Map<String, ?> props) {
        String key = string(props, RxMode.PROPERTY) != null || props.get(RxMode.PROPERTY) instanceof RxMode
                ? RxMode.PROPERTY : PacketHandler.FILTER_RX_MODE;
        Object v = props.get(key);
        if (v instanceof RxMode m) {
            return m;
        }
        String s = string(props, key);
        if (s == null) {
            return RxMode.THROUGHPUT;
        }
        try {
            return RxMode.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("handler service property " + key + " \"" + s
                    + "\" is not \"throughput\" or \"latency\"", e);
        }
    }

    /**
     * The handler's fanout lanes from {@link PacketHandler#LANES}: an int 1..16 (a Number that is exactly
     * an int, or a String); absent or empty means 1. A bad value gives an IllegalArgumentException naming
     * the property and the value.
     */
    public static int lanes(Map<String, ?> props) {
        Object name = props.get(PacketHandler.FILTER_NAME);
        if (string(props, PacketHandler.LANES) == null) {
            return 1;
        }
        int n = integer(props, PacketHandler.LANES, String.valueOf(name));
        if (n < 1 || n > Fanout.MAX_LANES) {
            throw new IllegalArgumentException("handler \"" + name + "\": " + PacketHandler.LANES + " " + props.get(PacketHandler.LANES)
                    + " is outside 1.." + Fanout.MAX_LANES);
        }
        return n;
    }

    private static String string(Map<String, ?> props, String key) {
        Object v = props.get(key);
        if (v == null) {
            return null;
        }
        String s = v.toString().strip();
        return s.isEmpty() ? null : s;
    }

    /**
     * An int property: a Number that is exactly an int (a Long or Double that is not, such as
     * 0x1_0000_88CC or 2048.5, is refused rather than truncated to another filter), or a String in
     * ASCII decimal or 0x hex. Absent or empty: -1.
     */
    private static int integer(Map<String, ?> props, String key, String filterName) {
        Object v = props.get(key);
        if (v == null) {
            return -1;
        }
        if (v instanceof Number num) {
            try {
                return new BigDecimal(num.toString()).intValueExact();
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("handler \"" + filterName + "\": " + key + " " + num + " ("
                        + num.getClass().getSimpleName() + ") is not a whole number that fits an int", e);
            }
        }
        String s = v.toString().strip();
        if (s.isEmpty()) {
            return -1;
        }
        boolean hex = s.startsWith("0x") || s.startsWith("0X");
        String digits = hex ? s.substring(2) : s.startsWith("-") ? s.substring(1) : s;
        // ASCII only: Integer.parseInt also takes a '+' and any Unicode digit
        boolean ascii = !digits.isEmpty();
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            ascii &= c >= '0' && c <= '9' || hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F');
        }
        try {
            if (!ascii) {
                throw new NumberFormatException(s);
            }
            return hex ? Integer.parseInt(digits, 16) : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("handler \"" + filterName + "\": " + key + " \"" + s
                    + "\" is not a number (decimal or 0x hex, ASCII digits)", e);
        }
    }
}
