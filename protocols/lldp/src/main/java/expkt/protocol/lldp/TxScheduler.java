package expkt.protocol.lldp;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * When to transmit on each port (IEEE 802.1AB 9.2.7 transmit state machine, reduced to timers): a
 * port that appears gets {@code fastCount} LLDPDUs one second apart ("fast start", txFast/txFastInit),
 * then one every {@code intervalMillis} (msgTxInterval).
 *
 * <p>Threading: thread-safe.
 */
public final class TxScheduler {
    public static final long FAST_INTERVAL_MILLIS = 1000;

    private record PortTimer(long nextMillis, int fastLeft, long sent) {
    }

    private final Map<String, PortTimer> ports = new TreeMap<>();
    private long intervalMillis;
    private int fastCount;

    public TxScheduler(long intervalMillis, int fastCount) {
        configure(intervalMillis, fastCount, 0);
    }

    /** Changes the interval; a port whose next LLDPDU is further away than the new interval sends sooner. */
    public synchronized void configure(long intervalMillis, int fastCount, long nowMillis) {
        if (intervalMillis < 1000 || intervalMillis > 3_600_000) {
            throw new IllegalArgumentException("LLDP tx interval " + intervalMillis + " ms is outside 1 s .. 3600 s");
        }
        if (fastCount < 0 || fastCount > 8) {
            throw new IllegalArgumentException("LLDP fast-start count " + fastCount + " is outside 0..8");
        }
        this.intervalMillis = intervalMillis;
        this.fastCount = fastCount;
        ports.replaceAll((p, t) -> t.nextMillis() > nowMillis + intervalMillis
                ? new PortTimer(nowMillis + intervalMillis, t.fastLeft(), t.sent()) : t);
    }

    /**
     * Makes the set of ports {@code current}: a new port starts fast (due at once), a port gone is
     * forgotten. Returns the ports that were removed.
     */
    public synchronized List<String> syncPorts(Collection<String> current, long nowMillis) {
        List<String> removed = new ArrayList<>();
        for (String p : List.copyOf(ports.keySet())) {
            if (!current.contains(p)) {
                ports.remove(p);
                removed.add(p);
            }
        }
        for (String p : current) {
            ports.computeIfAbsent(p, k -> new PortTimer(nowMillis, fastCount, 0));
        }
        return removed;
    }

    /** The ports due by {@code nowMillis}; each is counted as sent and rescheduled. */
    public synchronized List<String> due(long nowMillis) {
        List<String> due = new ArrayList<>();
        for (Map.Entry<String, PortTimer> e : ports.entrySet()) {
            PortTimer t = e.getValue();
            if (t.nextMillis() <= nowMillis) {
                due.add(e.getKey());
                int fast = Math.max(0, t.fastLeft() - 1);
                long next = nowMillis + (fast > 0 ? FAST_INTERVAL_MILLIS : intervalMillis);
                e.setValue(new PortTimer(next, fast, t.sent() + 1));
            }
        }
        return due;
    }

    /** Millis until the next port is due (0 if one is due now), or the interval if there are no ports. */
    public synchronized long millisToNext(long nowMillis) {
        long next = Long.MAX_VALUE;
        for (PortTimer t : ports.values()) {
            next = Math.min(next, t.nextMillis());
        }
        return next == Long.MAX_VALUE ? intervalMillis : Math.max(0, next - nowMillis);
    }

    public synchronized List<String> ports() {
        return List.copyOf(ports.keySet());
    }

    /** LLDPDUs counted as sent on {@code port}. */
    public synchronized long sent(String port) {
        PortTimer t = ports.get(port);
        return t == null ? 0 : t.sent();
    }

    /** Timers in JDK types for the next version: it continues the schedule, so no port restarts fast. */
    public synchronized Map<String, Object> toState() {
        Map<String, Object> m = new LinkedHashMap<>();
        ports.forEach((p, t) -> m.put(p, List.of(t.nextMillis(), t.fastLeft(), t.sent())));
        return m;
    }

    public synchronized void restore(Map<?, ?> state) {
        Map<String, PortTimer> restored = new TreeMap<>();
        state.forEach((k, v) -> {
            if (!(v instanceof List<?> l) || l.size() != 3 || !(l.get(0) instanceof Number next)
                    || !(l.get(1) instanceof Number fast) || !(l.get(2) instanceof Number sent)) {
                throw new IllegalArgumentException("LLDP tx state of port " + k + " is " + v + ", not [next, fastLeft, sent]");
            }
            restored.put(String.valueOf(k), new PortTimer(next.longValue(), fast.intValue(), sent.longValue()));
        });
        ports.clear();
        ports.putAll(restored);
    }
}
