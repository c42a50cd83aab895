package expkt.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): one's complement sum of 16-bit words. Callers check bounds;
 * these methods read exactly the range they are given.
 */
public final class InternetChecksum {
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private InternetChecksum() {
    }

    /** Adds the bytes {@code [offset, offset + length)} of {@code segment} to {@code sum} (unfolded). */
    public static long add(long sum, MemorySegment segment, long offset, int length) {
        long p = offset;
        long end = offset + length;
        while (p + 1 < end) {
            sum += segment.get(BE_SHORT, p) & 0xFFFF;
            p += 2;
        }
        if (p < end) {
            sum += (segment.get(ValueLayout.JAVA_BYTE, p) & 0xFF) << 8;
        }
        return sum;
    }

    /** Adds a 32-bit value as two words. */
    public static long add32(long sum, int value) {
        return sum + (value >>> 16) + (value & 0xFFFF);
    }

    /** Adds a 64-bit value as four words. */
    public static long add64(long sum, long value) {
        return add32(add32(sum, (int) (value >>> 32)), (int) value);
    }

    /** Folds the sum to 16 bits and complements it: the value to put in a checksum field. */
    public static int finish(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) ~sum & 0xFFFF;
    }
}
