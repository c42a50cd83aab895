package expkt.protocol.ping;

import expkt.api.net.Ipv4Address;

import java.time.Duration;
import java.util.List;

/**
 * What {@code ping:ping [-v VR] host [count] [size] [interval]} asks for.
 *
 * @param vr VR name, or null for the bundle's VR affinity
 * @param destination an IPv4 address (names are not resolved: a VR has no resolver of its own here)
 * @param count echo requests to send, 1..100000
 * @param size ICMP data bytes, 0..65507 (56 as iputils)
 * @param interval between requests, 10 ms .. 60 s
 * @param linger how long to wait for replies after the last request
 */
public record PingRequest(String vr, Ipv4Address destination, int count, int size, Duration interval, Duration linger) {
    public static final int DEFAULT_COUNT = 4;
    public static final int DEFAULT_SIZE = 56;
    public static final int MAX_SIZE = 65535 - 20 - 8;

    public PingRequest {
        if (count < 1 || count > 100_000) {
            throw new IllegalArgumentException("ping count " + count + " is outside 1..100000");
        }
        if (size < 0 || size > MAX_SIZE) {
            throw new IllegalArgumentException("ping size " + size + " is outside 0.." + MAX_SIZE);
        }
        if (interval.toMillis() < 10 || interval.toMillis() > 60_000) {
            throw new IllegalArgumentException("ping interval " + interval.toMillis() / 1000.0 + " s is outside 0.01..60");
        }
    }

    /** Parses the Gogo arguments: {@code [-v VR] host [count] [size] [interval seconds]}; errors name the bad value. */
    public static PingRequest parse(List<String> args) {
        String vr = null;
        int i = 0;
        if (args.size() >= 2 && args.get(0).equals("-v")) {
            vr = args.get(1);
            i = 2;
        }
        if (args.size() - i < 1 || args.size() - i > 4) {
            throw new IllegalArgumentException("usage: ping:ping [-v VR] host [count] [size] [interval]; got " + args);
        }
        Ipv4Address dst = Ipv4Address.parse(args.get(i));
        int count = args.size() > i + 1 ? integer(args.get(i + 1), "count") : DEFAULT_COUNT;
        int size = args.size() > i + 2 ? integer(args.get(i + 2), "size") : DEFAULT_SIZE;
        Duration interval = Duration.ofSeconds(1);
        if (args.size() > i + 3) {
            String s = args.get(i + 3);
            try {
                interval = Duration.ofNanos(Math.round(Double.parseDouble(s) * 1e9));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("ping interval \"" + s + "\" is not a number of seconds", e);
            }
        }
        return new PingRequest(vr, dst, count, size, interval, Duration.ofSeconds(2));
    }

    private static int integer(String s, String what) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ping " + what + " \"" + s + "\" is not a number", e);
        }
    }
}
