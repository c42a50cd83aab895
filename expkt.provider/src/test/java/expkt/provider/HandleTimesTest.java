package expkt.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import expkt.provider.dispatch.HandleTimes;

/**
 * The handle-time histogram's buckets: log2 bounds from 128 ns to 2^30 ns and +Inf, a value on a
 * bound counted in that bucket (Prometheus' "le"), a call's time shared by its frames, calls without
 * frames not observed.
 */
class HandleTimesTest {

    @Test
    void boundsArePowersOfTwoFrom128NanosThenInf() {
        assertEquals(128, HandleTimes.upperBoundNanos(0));
        assertEquals(256, HandleTimes.upperBoundNanos(1));
        assertEquals(1L << 30, HandleTimes.upperBoundNanos(HandleTimes.BUCKETS - 2));
        assertEquals(Long.MAX_VALUE, HandleTimes.upperBoundNanos(HandleTimes.BUCKETS - 1));
    }

    @Test
    void eachValueLandsInTheFirstBucketWhoseBoundHoldsIt() {
        long[] values = {0, 1, 127, 128, 129, 256, 257, 1_000, 1L << 30, (1L << 30) + 1, Long.MAX_VALUE};
        for (long v : values) {
            HandleTimes t = new HandleTimes();
            t.record(v, 1);
            long[] c = new long[HandleTimes.BUCKETS];
            assertEquals(v, t.addTo(c), "the sum");
            int b = index(c);
            assertEquals(1, c[b], v + " counted once");
            long upper = HandleTimes.upperBoundNanos(b);
            long lower = b == 0 ? Long.MIN_VALUE : HandleTimes.upperBoundNanos(b - 1);
            assertEquals(true, v <= upper && v > lower, v + " in (" + lower + ", " + upper + "], bucket " + b);
        }
    }

    @Test
    void aCallsTimeIsSharedByItsFramesAndEmptyCallsAreNotObserved() {
        HandleTimes t = new HandleTimes();
        t.record(4_000, 8);   // 500 ns a frame: bucket (256, 512]
        t.record(9_999, 0);   // no frame: not an observation
        t.record(100, 1);     // (0, 128]
        long[] c = new long[HandleTimes.BUCKETS];
        assertEquals(4_100, t.addTo(c));
        assertEquals(9, Arrays.stream(c).sum(), "one observation per frame");
        assertEquals(8, c[2], Arrays.toString(c));
        assertEquals(1, c[0], Arrays.toString(c));
    }

    private static int index(long[] c) {
        for (int i = 0; i < c.length; i++) {
            if (c[i] != 0) {
                return i;
            }
        }
        throw new AssertionError("nothing counted: " + Arrays.toString(c));
    }
}
