package expkt.protocol.lldp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LLDP remote systems table (IEEE 802.1AB 9.2.5 "remote MIB"): one entry per neighbour (chassis ID +
 * port ID) per local port, replaced on each LLDPDU, removed when its TTL runs out
 * ({@link #expire(long)}) or on a shutdown LLDPDU (TTL 0). Counts what IEEE calls the remote table
 * statistics (inserts, deletes, ageouts, drops).
 *
 * <p>Threading: thread-safe (the receive thread updates, the tx timer ages, Gogo reads).
 */
public final class NeighborTable {
    /** What an LLDPDU did to the table. */
    public enum Change { INSERTED, UPDATED, REFRESHED, DELETED_BY_SHUTDOWN, IGNORED_SHUTDOWN, DROPPED_TABLE_FULL }

    private final Map<String, Neighbor> entries = new LinkedHashMap<>();
    private final int maxEntries;
    private long inserts;
    private long deletes;
    private long ageouts;
    private long drops;

    public NeighborTable(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("neighbour table size " + maxEntries + " must be at least 1");
        }
        this.maxEntries = maxEntries;
    }

    /** Applies one received LLDPDU (already parsed, with its arrival time and expiry). */
    public synchronized Change apply(Neighbor n) {
        String key = n.key();
        Neighbor old = entries.get(key);
        if (n.ttl() == 0) {
            if (old == null) {
                return Change.IGNORED_SHUTDOWN;
            }
            entries.remove(key);
            deletes++;
            return Change.DELETED_BY_SHUTDOWN;
        }
        if (old == null) {
            if (entries.size() >= maxEntries) {
                drops++;
                return Change.DROPPED_TABLE_FULL;
            }
            entries.put(key, n);
            inserts++;
            return Change.INSERTED;
        }
        entries.put(key, n);
        return old.sameInformation(n) ? Change.REFRESHED : Change.UPDATED;
    }

    /** Removes the entries whose TTL ran out by {@code nowMillis}; returns them. */
    public synchronized List<Neighbor> expire(long nowMillis) {
        List<Neighbor> gone = new ArrayList<>();
        var it = entries.values().iterator();
        while (it.hasNext()) {
            Neighbor n = it.next();
            if (n.expiresMillis() <= nowMillis) {
                it.remove();
                gone.add(n);
            }
        }
        ageouts += gone.size();
        deletes += gone.size();
        return gone;
    }

    /** Removes every neighbour learnt on {@code port} (the port went away); returns how many. */
    public synchronized int removePort(String port) {
        int before = entries.size();
        entries.values().removeIf(n -> n.port().equals(port));
        int removed = before - entries.size();
        deletes += removed;
        return removed;
    }

    /** The entries, ordered by port then chassis ID. */
    public synchronized List<Neighbor> list() {
        List<Neighbor> l = new ArrayList<>(entries.values());
        l.sort(Comparator.comparing(Neighbor::port).thenComparing(Neighbor::chassisId).thenComparing(Neighbor::portId));
        return l;
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized long inserts() { return inserts; }
    public synchronized long deletes() { return deletes; }
    public synchronized long ageouts() { return ageouts; }
    public synchronized long drops() { return drops; }

    /** The table and its counters in JDK types, for the next version of the bundle. */
    public synchronized Map<String, Object> toState() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("neighbors", entries.values().stream().map(Neighbor::toState).toList());
        m.put("inserts", inserts);
        m.put("deletes", deletes);
        m.put("ageouts", ageouts);
        m.put("drops", drops);
        return m;
    }

    /** Replaces the table with what {@link #toState()} gave (of this or an earlier version). */
    public synchronized void restore(Map<?, ?> state) {
        if (!(state.get("neighbors") instanceof List<?> list)) {
            throw new IllegalArgumentException("LLDP state has no neighbour list: " + state.get("neighbors"));
        }
        List<Neighbor> restored = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException("LLDP state neighbour entry " + o + " is not a map");
            }
            restored.add(Neighbor.fromState(m));
        }
        entries.clear();
        for (Neighbor n : restored) {
            entries.put(n.key(), n);
        }
        inserts = counter(state, "inserts");
        deletes = counter(state, "deletes");
        ageouts = counter(state, "ageouts");
        drops = counter(state, "drops");
    }

    private static long counter(Map<?, ?> state, String k) {
        return state.get(k) instanceof Number n ? n.longValue() : 0;
    }
}
