package expkt.protocol.lldp;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Agent counters (IEEE 802.1AB 9.2.6 statistics, agent-wide). Thread-safe. */
public final class LldpStats {
    final AtomicLong framesIn = new AtomicLong();
    final AtomicLong framesDiscarded = new AtomicLong();
    final AtomicLong shutdownsIn = new AtomicLong();
    final AtomicLong framesOut = new AtomicLong();
    final AtomicLong shutdownsOut = new AtomicLong();
    final AtomicLong sendErrors = new AtomicLong();
    /** Discarded LLDPDUs per reason (the field the codec or the validation refused: a fixed set of names). */
    private final Map<String, AtomicLong> discardReasons = new ConcurrentHashMap<>();

    void discarded(String reason) {
        framesDiscarded.incrementAndGet();
        discardReasons.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }

    /** Discarded LLDPDUs per reason, sorted by reason. */
    public Map<String, Long> discardReasons() {
        Map<String, Long> m = new TreeMap<>();
        discardReasons.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    public long framesIn() { return framesIn.get(); }
    public long framesDiscarded() { return framesDiscarded.get(); }
    public long shutdownsIn() { return shutdownsIn.get(); }
    public long framesOut() { return framesOut.get(); }
    public long shutdownsOut() { return shutdownsOut.get(); }
    public long sendErrors() { return sendErrors.get(); }

    Map<String, Object> toState() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("framesIn", framesIn.get());
        m.put("framesDiscarded", framesDiscarded.get());
        m.put("shutdownsIn", shutdownsIn.get());
        m.put("framesOut", framesOut.get());
        m.put("shutdownsOut", shutdownsOut.get());
        m.put("sendErrors", sendErrors.get());
        m.put("discardReasons", discardReasons());
        return m;
    }

    void restore(Map<?, ?> m) {
        framesIn.set(get(m, "framesIn"));
        framesDiscarded.set(get(m, "framesDiscarded"));
        shutdownsIn.set(get(m, "shutdownsIn"));
        framesOut.set(get(m, "framesOut"));
        shutdownsOut.set(get(m, "shutdownsOut"));
        sendErrors.set(get(m, "sendErrors"));
        discardReasons.clear();
        if (m.get("discardReasons") instanceof Map<?, ?> reasons) { // absent in the state of a version before it counted them
            reasons.forEach((k, v) -> {
                if (v instanceof Number n) {
                    discardReasons.put(String.valueOf(k), new AtomicLong(n.longValue()));
                }
            });
        }
    }

    private static long get(Map<?, ?> m, String k) {
        return m.get(k) instanceof Number n ? n.longValue() : 0;
    }
}
