package expkt.host;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The sequence numbers of the latest Log Service entries a log printer saw, so that the next printer
 * (after an update or refresh of {@code expkt.host}) writes from the Log Service's backlog only what
 * this one did not: not a high-water mark, because the Log Service can deliver entries logged at the
 * same moment on two threads out of sequence order (seen: a refresh's outcome, delivered after a
 * later entry, was dropped as "already seen").
 *
 * <p>Saved as ranges ({@code 12-340 342-350}), at most {@link #CAPACITY} numbers (the Log Service's
 * backlog is smaller: {@code org.apache.felix.log.maxSize} in the host's bndrun).
 *
 * <p>Threading: not thread-safe; the printer uses it under its monitor.
 */
final class SeenSequences {
    static final int CAPACITY = 4096;

    private final long[] ring = new long[CAPACITY];
    private int count;
    private int next;

    void add(long sequence) {
        ring[next] = sequence;
        next = (next + 1) % CAPACITY;
        if (count < CAPACITY) {
            count++;
        }
    }

    /** The numbers seen, as sorted ranges separated by spaces: {@code 5-9 11-11}; empty when none. */
    String ranges() {
        long[] s = Arrays.copyOf(ring, count);
        Arrays.sort(s);
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length) {
            int j = i;
            while (j + 1 < s.length && s[j + 1] <= s[j] + 1) {
                j++;
            }
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append(s[i]).append('-').append(s[j]);
            i = j + 1;
        }
        return out.toString();
    }

    /**
     * The numbers of {@code ranges} ({@link #ranges()}'s form); a malformed token throws an
     * {@link IllegalArgumentException} naming it. At most {@link #CAPACITY} numbers are read.
     */
    static Set<Long> parse(String ranges) {
        Set<Long> out = new HashSet<>();
        for (String token : ranges.strip().split("\\s+")) {
            if (token.isEmpty()) {
                continue;
            }
            int dash = token.indexOf('-', 1);
            try {
                long from = Long.parseLong(dash < 0 ? token : token.substring(0, dash));
                long to = dash < 0 ? from : Long.parseLong(token.substring(dash + 1));
                if (to < from || to - from >= CAPACITY) {
                    throw new IllegalArgumentException("range \"" + token + "\" is reversed or longer than " + CAPACITY);
                }
                for (long n = from; n <= to && out.size() < CAPACITY; n++) {
                    out.add(n);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + token + "\" is not a range of sequence numbers", e);
            }
        }
        return out;
    }
}
