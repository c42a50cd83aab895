package expkt.api.net;

/**
 * A switch port as EXOS names it: {@code slot:port}. Standalone switches number ports 1..N, which
 * is slot 1; stacks use 1:1 .. 8:52.
 *
 * @param slot 1 or more
 * @param port 1 or more
 */
public record SlotPort(int slot, int port) implements Comparable<SlotPort> {
    public SlotPort {
        if (slot < 1 || port < 1) {
            throw new IllegalArgumentException("slot:port " + slot + ":" + port + " is not a port: slot and port start at 1");
        }
    }

    public static SlotPort of(int slot, int port) {
        return new SlotPort(slot, port);
    }

    /** Parses {@code "1:2"} or, standalone numbering, {@code "2"} (= 1:2). */
    public static SlotPort parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("slot:port is null");
        }
        String s = text.trim();
        try {
            int colon = s.indexOf(':');
            if (colon < 0) {
                return new SlotPort(1, number(s));
            }
            return new SlotPort(number(s.substring(0, colon)), number(s.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed slot:port \"" + text + "\": expected slot:port such as 1:2, or a port number", e);
        }
    }

    /**
     * ASCII decimal digits only: Integer.parseInt also takes a sign and any Unicode digit ("١:٢"),
     * which would name a port the operator cannot see in the text.
     */
    private static int number(String s) {
        if (s.isEmpty() || s.length() > 9) {
            throw new NumberFormatException(s);
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                throw new NumberFormatException(s);
            }
        }
        return Integer.parseInt(s);
    }

    @Override
    public int compareTo(SlotPort o) {
        return slot != o.slot ? Integer.compare(slot, o.slot) : Integer.compare(port, o.port);
    }

    @Override
    public String toString() {
        return slot + ":" + port;
    }
}
