package expkt.bench.sink;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Accounts for the sequence numbers the {@code upgrade} and {@code upgrade-provider} workloads put in every matching frame
 * (trafgen's {@code arp(spa=dinc(1, ...))}: a 32-bit big-endian counter at frame offset
 * {@value #SEQ_OFFSET}, 1 for the first matching frame), so the harness can tell frames the kernel
 * dropped from a full ring (the socket's {@code drops}) from frames that never reached the socket.
 *
 * <p>Exact, not estimated: a bitmap of the sequence numbers seen (allocated once, for
 * {@value #CAPACITY} numbers, far more than a burst sends) tells a duplicate (its bit is already set)
 * from a late frame (below the highest seen, bit not set: reordered) — counters alone cannot. Nothing
 * is allocated per frame. A number beyond the bitmap is only counted ({@code out_of_range}).
 *
 * <p>Where the gaps are: a frame above {@code highest + 1} opens a gap (missing numbers, until a late
 * frame fills some of them); its time of detection (the frame after the gap arrived,
 * {@code System.nanoTime}, the same clock the harness reads: CLOCK_MONOTONIC) and the numbers it spans
 * are kept for the first and the last gap, and the longest gap's length.
 *
 * <p>Threading: {@link #frame} is called with the tracker's monitor held (the sink takes it once per
 * drain of the socket, not per frame); {@link #line} takes it too, from the status thread. The monitor
 * also keeps the counts right should two dispatchers (an old and a new provider revision) ever deliver
 * at the same time.
 */
final class SeqTracker {
    /** Frame offset of the sequence number: ARP's sender protocol address (14 + 14). */
    static final int SEQ_OFFSET = 28;
    /** Sequence numbers the bitmap holds: 2^22 (512 KiB), 4× a full run's 1M frames (half of them matching). */
    static final int CAPACITY = 1 << 22;
    /** Gaps kept one by one (numbers and detection time), the first {@value #KEPT_GAPS}: the rest are only counted. */
    static final int KEPT_GAPS = 48;
    private final long[] seen = new long[CAPACITY >>> 6];
    private final long[] keptGaps = new long[KEPT_GAPS * 3];
    private long received;
    private long unique;
    private long duplicates;
    private long reordered;
    private long outOfRange;
    private long highest;
    private long gaps;
    private long longestGap;
    private long firstGapFrom = -1;
    private long firstGapTo = -1;
    private long firstGapNs = -1;
    private long lastGapFrom = -1;
    private long lastGapTo = -1;
    private long lastGapNs = -1;
    private long firstNs = -1;
    private long lastNs = -1;

    /**
     * One received frame's sequence number ({@code getInt} of the frame: unsigned 32 bits), at
     * {@code nowNs}. Callers hold this tracker's monitor.
     */
    void frame(int rawSeq, long nowNs) {
        long seq = rawSeq & 0xFFFF_FFFFL;
        received++;
        if (firstNs < 0) {
            firstNs = nowNs;
        }
        lastNs = nowNs;
        if (seq <= 0 || seq >= CAPACITY) {
            outOfRange++;
            return;
        }
        int word = (int) (seq >>> 6);
        long bit = 1L << seq;
        if ((seen[word] & bit) != 0) {
            duplicates++;
            return;
        }
        seen[word] |= bit;
        unique++;
        if (seq <= highest) {
            reordered++;
            return;
        }
        if (seq > highest + 1) {
            long from = highest + 1;
            long to = seq - 1;
            gaps++;
            longestGap = Math.max(longestGap, to - from + 1);
            if (firstGapNs < 0) {
                firstGapFrom = from;
                firstGapTo = to;
                firstGapNs = nowNs;
            }
            if (gaps <= KEPT_GAPS) {
                int k = (int) (gaps - 1) * 3;
                keptGaps[k] = from;
                keptGaps[k + 1] = to;
                keptGaps[k + 2] = nowNs;
            }
            lastGapFrom = from;
            lastGapTo = to;
            lastGapNs = nowNs;
        }
        highest = seq;
    }

    /**
     * The status fields: {@code seq_received} (frames that carried a number), {@code seq_unique},
     * {@code seq_highest}, {@code seq_missing} (numbers below the highest never seen; those after it
     * the harness counts from what was sent), {@code seq_dups}, {@code seq_reordered},
     * {@code seq_out_of_range}, {@code seq_gaps} (gaps opened), {@code seq_longest_gap}, and the first
     * and last gap's numbers and detection time ({@code -1} when there was none), and the first
     * {@value #KEPT_GAPS} gaps as {@code from-to@ns,...}.
     */
    synchronized String line() {
        return "seq_received=" + received + " seq_unique=" + unique + " seq_highest=" + highest
                + " seq_missing=" + (highest - unique) + " seq_dups=" + duplicates + " seq_reordered=" + reordered
                + " seq_out_of_range=" + outOfRange + " seq_gaps=" + gaps + " seq_longest_gap=" + longestGap
                + " seq_first_gap_from=" + firstGapFrom + " seq_first_gap_to=" + firstGapTo + " seq_first_gap_ns=" + firstGapNs
                + " seq_last_gap_from=" + lastGapFrom + " seq_last_gap_to=" + lastGapTo + " seq_last_gap_ns=" + lastGapNs
                + " seq_first_ns=" + firstNs + " seq_last_ns=" + lastNs + " seq_gap_list=" + gapList();
    }

    /**
     * Everything this tracker counted, as JDK values only ({@code Long}, {@code byte[]}), for
     * {@code StateHandover.save}: the sink bundle's next revision (the {@code upgrade} workload replaces
     * it; its classes, this tracker's among them, come from a new class loader) goes on with the same
     * accounting through {@link #restore}. The bitmap is cut after the highest number seen (~62 KiB for
     * the 500,000 numbers of a full run). Takes the monitor: call it once the socket's callback stopped.
     */
    synchronized Map<String, Object> state() {
        int words = (int) (Math.min(highest, CAPACITY - 1) >>> 6) + 1;
        ByteBuffer bits = ByteBuffer.allocate(words * Long.BYTES);
        bits.asLongBuffer().put(seen, 0, words);
        ByteBuffer kept = ByteBuffer.allocate(keptGaps.length * Long.BYTES);
        kept.asLongBuffer().put(keptGaps);
        Map<String, Object> m = new HashMap<>();
        m.put("seen", bits.array());
        m.put("kept_gaps", kept.array());
        long[] v = {received, unique, duplicates, reordered, outOfRange, highest, gaps, longestGap, firstGapFrom, firstGapTo, firstGapNs,
            lastGapFrom, lastGapTo, lastGapNs, firstNs, lastNs};
        for (int i = 0; i < v.length; i++) {
            m.put(STATE_KEYS[i], v[i]);
        }
        return m;
    }

    private static final String[] STATE_KEYS = {"received", "unique", "duplicates", "reordered", "out_of_range", "highest", "gaps",
        "longest_gap", "first_gap_from", "first_gap_to", "first_gap_ns", "last_gap_from", "last_gap_to", "last_gap_ns", "first_ns", "last_ns"};

    /**
     * Takes over what a previous revision's tracker counted ({@link #state}), replacing this one's
     * counts; false (and nothing changed) if {@code state} is not such a state (empty: nothing was saved).
     */
    synchronized boolean restore(Map<String, ?> state) {
        if (!(state.get("seen") instanceof byte[] bits) || !(state.get("kept_gaps") instanceof byte[] kept)
                || bits.length % Long.BYTES != 0 || bits.length / Long.BYTES > seen.length || kept.length != keptGaps.length * Long.BYTES) {
            return false;
        }
        long[] v = new long[STATE_KEYS.length];
        for (int i = 0; i < v.length; i++) {
            if (!(state.get(STATE_KEYS[i]) instanceof Long l)) {
                return false;
            }
            v[i] = l;
        }
        Arrays.fill(seen, 0);
        ByteBuffer.wrap(bits).asLongBuffer().get(seen, 0, bits.length / Long.BYTES);
        ByteBuffer.wrap(kept).asLongBuffer().get(keptGaps);
        received = v[0];
        unique = v[1];
        duplicates = v[2];
        reordered = v[3];
        outOfRange = v[4];
        highest = v[5];
        gaps = v[6];
        longestGap = v[7];
        firstGapFrom = v[8];
        firstGapTo = v[9];
        firstGapNs = v[10];
        lastGapFrom = v[11];
        lastGapTo = v[12];
        lastGapNs = v[13];
        firstNs = v[14];
        lastNs = v[15];
        return true;
    }

    /** The kept gaps as {@code from-to@ns,...} ({@code -} when none). */
    private String gapList() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(gaps, KEPT_GAPS); i++) {
            b.append(i == 0 ? "" : ",").append(keptGaps[3 * i]).append('-').append(keptGaps[3 * i + 1]).append('@').append(keptGaps[3 * i + 2]);
        }
        return b.isEmpty() ? "-" : b.toString();
    }
}
