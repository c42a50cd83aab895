package expkt.provider.dataplane;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed-size forwarding table: (VLAN, MAC) → (port, when), open addressing over one
 * {@code long[]} (key, value per slot), so that learning from the receive path allocates nothing.
 *
 * <p>The port is the data-plane model's port key ({@link DataPlaneModel#key}: the ifindex for a port of
 * the data plane's own namespace, the space above 24 bits of ifindex for a port of a VR namespace, whose
 * ifindexes are its own), up to {@link #MAX_PORT}: VR namespaces (spaces) 1..15.
 *
 * <p>Key: bit 62 set (so that no key is 0, the empty slot), VLAN + 1 in bits 48..60 (0 = "no VLAN": an
 * untagged frame, or a kernel entry without a VLAN), the MAC in bits 0..47. Value: port + 1 in bits
 * 36..63, the time it was last seen in bits 0..35 in ticks of {@value #TICK_MILLIS} ms since the table's
 * clock started (monotonic: 21 years; ages and the aging time are exact to a tick); 0 = no entry. (A
 * millisecond clock left 24 bits for the port: room for ifindexes, not for a VR namespace's port keys.)
 * An entry older than the aging time is gone: lookups ignore it and learning
 * reuses its slot. Keys are never cleared, so probe chains never break; a table whose probe window
 * ({@value #MAX_PROBE} slots) is full of live entries learns nothing more there and counts it
 * ({@link #full()}): the destination is then unknown and a send floods, as a switch with a full FDB does.
 *
 * <p>Threading: any number of threads learn and look up concurrently, without locks (volatile reads,
 * CAS to claim a slot). A lookup that races the reuse of a slot re-reads the key after the value and
 * ignores the slot if it changed. Two threads learning the same new key at once may both insert it:
 * lookups find the first, the other ages out. Nothing is allocated by {@link #learn}, {@link #lookup}
 * and {@link #remove}.
 */
public final class FdbTable {
    /** Slots probed from a key's home slot before the table counts itself full there. */
    static final int MAX_PROBE = 32;
    /** A live entry is rewritten at most this often while it stays on its port (keeps lanes from fighting over cache lines). */
    static final long REFRESH_MILLIS = 1000;
    private static final long KEY_MARK = 1L << 62;
    private static final long MAC_MASK = (1L << 48) - 1;
    /** Bits of a value that hold the time; the port + 1 is above them. */
    private static final int TIME_BITS = 36;
    private static final long TIME_MASK = (1L << TIME_BITS) - 1;
    /** The table clock's tick: what a value's time counts. */
    static final long TICK_MILLIS = 10;
    /** The largest port key a value holds (28 bits, less the +1): spaces 0..15 with 24 bits of ifindex. */
    public static final int MAX_PORT = (1 << (64 - TIME_BITS)) - 2;
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] slots;
    private final int mask;
    private final long agingMillis;
    /** Day 1 of the table's clock is now, so that entries the kernel saw up to a day before still get their true age. */
    private final long baseNanos = System.nanoTime() - 86_400_000_000_000L;
    private final AtomicLong learned = new AtomicLong();
    private final AtomicLong moved = new AtomicLong();
    private final AtomicLong full = new AtomicLong();

    /**
     * @param capacity slots, a power of two
     * @param agingMillis how long an entry lives after it was last learned; {@link Long#MAX_VALUE}: until removed
     */
    public FdbTable(int capacity, long agingMillis) {
        if (Integer.bitCount(capacity) != 1 || capacity < MAX_PROBE) {
            throw new IllegalArgumentException("FDB capacity " + capacity + " is not a power of two >= " + MAX_PROBE);
        }
        this.slots = new long[2 * capacity];
        this.mask = capacity - 1;
        this.agingMillis = agingMillis;
    }

    /** Milliseconds on this table's clock now (monotonic, allocation-free). */
    public long now() {
        return millisAt(System.nanoTime());
    }

    /** Milliseconds on this table's clock at {@code nanoTime} (a {@link System#nanoTime()} the caller read already). */
    public long millisAt(long nanoTime) {
        return (nanoTime - baseNanos) / 1_000_000L;
    }

    public int capacity() {
        return mask + 1;
    }

    public long agingMillis() {
        return agingMillis;
    }

    static long key(int vlan, long mac) {
        return KEY_MARK | ((long) (vlan + 1) << 48) | (mac & MAC_MASK);
    }

    private static int home(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    private static long value(int port, long atMillis) {
        return ((long) (port + 1) << TIME_BITS) | ((Math.max(0, atMillis) / TICK_MILLIS) & TIME_MASK);
    }

    private static int ifIndexOf(long value) {
        return (int) (value >>> TIME_BITS) - 1;
    }

    /** Milliseconds from the value's time to {@code nowMillis}, in whole ticks (negative if the value is newer). */
    private static long ageOf(long value, long nowMillis) {
        return (nowMillis / TICK_MILLIS - (value & TIME_MASK)) * TICK_MILLIS;
    }

    private boolean live(long value, long now) {
        return value != 0 && (agingMillis == Long.MAX_VALUE || ageOf(value, now) <= agingMillis);
    }

    private long keyAt(int slot) {
        return (long) SLOTS.getVolatile(slots, 2 * slot);
    }

    private long valueAt(int slot) {
        return (long) SLOTS.getVolatile(slots, 2 * slot + 1);
    }

    /**
     * Records that {@code mac} was seen in {@code vlan} (-1: none) on port {@code ifIndex} (a port key,
     * see the class comment) at {@code now} ({@link #now()}, or a time in the past for an entry the kernel
     * says it saw earlier). A port above {@link #MAX_PORT} is not learned. Allocation-free.
     */
    public void learn(int vlan, long mac, int ifIndex, long now) {
        if (ifIndex < 0 || ifIndex > MAX_PORT) {
            return;
        }
        long key = key(vlan, mac);
        long v = value(ifIndex, now);
        for (int attempt = 0; attempt < 2; attempt++) {
            int h = home(key, mask);
            int reuse = -1;
            long reuseKey = 0;
            long reuseValue = 0;
            int empty = -1;
            for (int p = 0; p < MAX_PROBE; p++) {
                int s = (h + p) & mask;
                long k = keyAt(s);
                if (k == key) {
                    long old = valueAt(s);
                    long age = ageOf(old, now);
                    if (old != 0 && ifIndexOf(old) == ifIndex && age < REFRESH_MILLIS && age >= 0) {
                        return; // fresh enough: no write
                    }
                    if (SLOTS.compareAndSet(slots, 2 * s + 1, old, v)) {
                        if (old == 0 || !live(old, now)) {
                            learned.incrementAndGet();
                        } else if (ifIndexOf(old) != ifIndex) {
                            moved.incrementAndGet();
                        }
                    }
                    return; // a racing writer's value is as good as ours
                }
                if (k == 0) {
                    empty = s;
                    break; // the end of the chain: the key is not in the table
                }
                if (reuse < 0) {
                    long val = valueAt(s);
                    if (!live(val, now)) {
                        reuse = s;
                        reuseKey = k;
                        reuseValue = val;
                    }
                }
            }
            if (reuse >= 0) {
                // claim the dead slot (its value to 0: readers see no entry), then give it the new key and value
                if (SLOTS.compareAndSet(slots, 2 * reuse + 1, reuseValue, 0L)) {
                    if (SLOTS.compareAndSet(slots, 2 * reuse, reuseKey, key)) {
                        SLOTS.setVolatile(slots, 2 * reuse + 1, v);
                        learned.incrementAndGet();
                        return;
                    }
                }
                continue; // another writer took it: look again
            }
            if (empty >= 0) {
                if (SLOTS.compareAndSet(slots, 2 * empty, 0L, key)) {
                    SLOTS.setVolatile(slots, 2 * empty + 1, v);
                    learned.incrementAndGet();
                    return;
                }
                continue;
            }
            full.incrementAndGet();
            return;
        }
    }

    /** The ifindex {@code mac} was last seen on in {@code vlan} (-1: no VLAN), or -1 if unknown or aged out. Allocation-free. */
    public int lookup(int vlan, long mac, long now) {
        long key = key(vlan, mac);
        int h = home(key, mask);
        for (int p = 0; p < MAX_PROBE; p++) {
            int s = (h + p) & mask;
            long k = keyAt(s);
            if (k == 0) {
                return -1;
            }
            if (k == key) {
                long v = valueAt(s);
                if (keyAt(s) != key) {
                    continue; // the slot was reused meanwhile
                }
                return live(v, now) ? ifIndexOf(v) : -1;
            }
        }
        return -1;
    }

    /** Removes the entry of {@code mac} in {@code vlan} if it points to {@code ifIndex} (any port if -1). */
    public void remove(int vlan, long mac, int ifIndex) {
        long key = key(vlan, mac);
        int h = home(key, mask);
        for (int p = 0; p < MAX_PROBE; p++) {
            int s = (h + p) & mask;
            long k = keyAt(s);
            if (k == 0) {
                return;
            }
            if (k == key) {
                long v = valueAt(s);
                if (v != 0 && (ifIndex < 0 || ifIndexOf(v) == ifIndex)) {
                    SLOTS.compareAndSet(slots, 2 * s + 1, v, 0L);
                }
            }
        }
    }

    /** Forgets every entry (the slots stay allocated). */
    public void clear() {
        for (int s = 0; s <= mask; s++) {
            SLOTS.setVolatile(slots, 2 * s + 1, 0L);
        }
    }

    /** Forgets the entries on {@code ifIndex} (a port that went away). */
    public void removePort(int ifIndex) {
        for (int s = 0; s <= mask; s++) {
            long v = valueAt(s);
            if (v != 0 && ifIndexOf(v) == ifIndex) {
                SLOTS.compareAndSet(slots, 2 * s + 1, v, 0L);
            }
        }
    }

    /**
     * One live entry.
     *
     * @param vlan the VLAN tag, -1 for none (untagged, or a kernel entry without VLAN)
     * @param mac the MAC in the low 48 bits
     * @param ifIndex the port (its key: the ifindex in the data plane's namespace, see the class comment)
     * @param ageMillis since it was last seen (whole ticks)
     */
    public record Entry(int vlan, long mac, int ifIndex, long ageMillis) {
    }

    /** The live entries now (allocates: for the {@code expkt:fdb} command and tests). */
    public List<Entry> entries() {
        return entries(now());
    }

    /** The entries live at {@code now} (this table's clock). */
    List<Entry> entries(long now) {
        List<Entry> out = new ArrayList<>();
        for (int s = 0; s <= mask; s++) {
            long k = keyAt(s);
            long v = valueAt(s);
            if (k != 0 && live(v, now) && keyAt(s) == k) {
                out.add(new Entry((int) ((k >>> 48) & 0x1FFF) - 1, k & MAC_MASK, ifIndexOf(v), Math.max(0, ageOf(v, now))));
            }
        }
        return out;
    }

    /** Entries made (new, or after aging out) since the table was made. */
    public long learnedCount() {
        return learned.get();
    }

    /** Entries that moved to another port. */
    public long movedCount() {
        return moved.get();
    }

    /** Times an address could not be learned because its probe window was full of live entries. */
    public long full() {
        return full.get();
    }
}
