package expkt.bench.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sequence accounting the upgrade-provider row's split rests on: gaps, duplicates, late frames, no allocation per frame. */
class SeqTrackerTest {

    private static Map<String, String> fields(SeqTracker t) {
        Map<String, String> m = new HashMap<>();
        for (String kv : t.line().split(" ")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }

    private static void feed(SeqTracker t, long nowNs, int... seqs) {
        synchronized (t) {
            for (int s : seqs) {
                t.frame(s, nowNs);
            }
        }
    }

    @Test
    void countsGapsDuplicatesAndLateFrames() {
        SeqTracker t = new SeqTracker();
        feed(t, 100, 1, 2, 3);
        feed(t, 200, 7, 8);        // 4..6 missing: one gap
        feed(t, 300, 8);           // a duplicate
        feed(t, 400, 5);           // late: fills one of the gap
        feed(t, 500, 10);          // 9 missing: a second gap
        Map<String, String> f = fields(t);
        assertEquals("8", f.get("seq_received"));
        assertEquals("7", f.get("seq_unique"));
        assertEquals("10", f.get("seq_highest"));
        assertEquals("3", f.get("seq_missing"), "4, 6 and 9");
        assertEquals("1", f.get("seq_dups"));
        assertEquals("1", f.get("seq_reordered"));
        assertEquals("2", f.get("seq_gaps"));
        assertEquals("3", f.get("seq_longest_gap"));
        assertEquals("4", f.get("seq_first_gap_from"));
        assertEquals("6", f.get("seq_first_gap_to"));
        assertEquals("200", f.get("seq_first_gap_ns"));
        assertEquals("9", f.get("seq_last_gap_from"));
        assertEquals("500", f.get("seq_last_gap_ns"));
        assertEquals("4-6@200,9-9@500", f.get("seq_gap_list"));
        assertEquals("0", f.get("seq_out_of_range"));
    }

    @Test
    void numbersOutsideTheBitmapAreOnlyCounted() {
        SeqTracker t = new SeqTracker();
        feed(t, 1, 0, SeqTracker.CAPACITY, -1, 1);
        Map<String, String> f = fields(t);
        assertEquals("3", f.get("seq_out_of_range"));
        assertEquals("1", f.get("seq_unique"));
        assertEquals("0", f.get("seq_missing"));
        assertEquals("-", f.get("seq_gap_list"));
    }

    @Test
    void keepsTheFirstGapsOnlyAndCountsTheRest() {
        SeqTracker t = new SeqTracker();
        int gaps = SeqTracker.KEPT_GAPS + 5;
        synchronized (t) {
            for (int i = 0; i < gaps; i++) {
                t.frame(2 * i + 2, i); // 1, 3, 5, ... missing
            }
        }
        Map<String, String> f = fields(t);
        assertEquals(Integer.toString(gaps), f.get("seq_gaps"));
        assertEquals(SeqTracker.KEPT_GAPS, f.get("seq_gap_list").split(",").length);
        assertEquals(Integer.toString(gaps), f.get("seq_missing"));
    }

    /**
     * The upgrade row's sink hands its tracker to its next revision (StateHandover: JDK values only): the next
     * tracker goes on as if it had seen every frame itself — a number the old one saw is a duplicate, a gap
     * across the swap is one gap, the kept gaps and counts carry over.
     */
    @Test
    void aRestoredTrackerGoesOnWhereItsPredecessorStopped() {
        SeqTracker old = new SeqTracker();
        feed(old, 100, 1, 2, 3);
        feed(old, 200, 6, 7, 70, 71); // 4..5 and 8..69 missing (the bitmap spans two words)
        feed(old, 250, 71);           // a duplicate
        Map<String, Object> state = old.state();
        for (Object v : state.values()) {
            assertTrue(v instanceof Long || v instanceof byte[], "JDK values only (StateHandover): " + v.getClass());
        }
        String before = old.line();
        SeqTracker next = new SeqTracker();
        assertTrue(next.restore(state));
        assertEquals(before, next.line(), "the same accounting after the restore");
        feed(next, 300, 70, 72, 74); // 70 twice; 73 missing: a gap across the swap
        feed(next, 400, 8);          // late, filled in
        Map<String, String> f = fields(next);
        assertEquals("12", f.get("seq_received"));
        assertEquals("10", f.get("seq_unique"));
        assertEquals("74", f.get("seq_highest"));
        assertEquals("64", f.get("seq_missing"), "4-5, 9-69, 73");
        assertEquals("2", f.get("seq_dups"));
        assertEquals("1", f.get("seq_reordered"));
        assertEquals("3", f.get("seq_gaps"));
        assertEquals("62", f.get("seq_longest_gap"));
        assertEquals("4-5@200,8-69@200,73-73@300", f.get("seq_gap_list"));
        assertEquals("100", f.get("seq_first_ns"));
        assertEquals("400", f.get("seq_last_ns"));
    }

    @Test
    void anEmptyOrForeignStateIsNotRestored() {
        SeqTracker t = new SeqTracker();
        feed(t, 1, 1, 2);
        String before = t.line();
        assertFalse(t.restore(Map.of()), "nothing saved: the first revision");
        Map<String, Object> broken = new HashMap<>(new SeqTracker().state());
        broken.remove("highest");
        assertFalse(t.restore(broken));
        assertEquals(before, t.line(), "nothing changed");
    }

    @Test
    void allocatesNothingPerFrame() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SeqTracker t = new SeqTracker();
        // warm up (class loading, JIT) before the measured window
        feed(t, 1, range(1, 200_000));
        int[] window = range(200_001, 1_200_000);
        long before = threads.getCurrentThreadAllocatedBytes();
        feed(t, 2, window);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // a few hundred bytes of JIT/runtime noise at most; one object per frame would be >= 16 MB
        assertTrue(allocated < 100_000, allocated + " bytes allocated over " + window.length + " frames");
        assertEquals("1200000", fields(t).get("seq_unique"));
    }

    private static int[] range(int from, int to) {
        int[] a = new int[to - from + 1];
        for (int i = 0; i < a.length; i++) {
            a[i] = from + i;
        }
        return a;
    }
}
