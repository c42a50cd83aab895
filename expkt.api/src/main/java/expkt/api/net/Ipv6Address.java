package expkt.api.net;

/**
 * An IPv6 address, immutable, held in two {@code long}s (network order: {@link #high()} holds the
 * first eight octets) so that comparing it with a frame's bytes needs no array.
 *
 * <p>Parses the RFC 4291 text forms: eight groups of up to four hex digits, one {@code ::} for a
 * run of zero groups, and a trailing dotted quad ({@code ::ffff:192.0.2.1}). No zone ids, no
 * host names: parsing never touches DNS. Formats as RFC 5952 (lower case, longest run of two or
 * more zero groups shortened to {@code ::}).
 */
public final class Ipv6Address implements Comparable<Ipv6Address> {
    public static final Ipv6Address UNSPECIFIED = new Ipv6Address(0, 0);
    public static final Ipv6Address LOOPBACK = new Ipv6Address(0, 1);

    private final long high;
    private final long low;

    private Ipv6Address(long high, long low) {
        this.high = high;
        this.low = low;
    }

    /** The address whose first eight octets are {@code high} and last eight {@code low}. */
    public static Ipv6Address of(long high, long low) {
        return new Ipv6Address(high, low);
    }

    /** Sixteen bytes, first octet first. */
    public static Ipv6Address of(byte[] octets) {
        if (octets == null || octets.length != 16) {
            throw new IllegalArgumentException("IPv6 address needs 16 bytes, got "
                    + (octets == null ? "null" : octets.length + " " + java.util.Arrays.toString(octets)));
        }
        long h = 0;
        long l = 0;
        for (int i = 0; i < 8; i++) {
            h = h << 8 | (octets[i] & 0xFF);
            l = l << 8 | (octets[i + 8] & 0xFF);
        }
        return new Ipv6Address(h, l);
    }

    /** Parses an RFC 4291 text form such as {@code 2001:db8::1} or {@code ::ffff:192.0.2.1}. */
    public static Ipv6Address parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("IPv6 address is null");
        }
        String s = text.trim();
        int[] groups = new int[8];
        int count = 0;
        int gap = -1;
        int i = 0;
        int n = s.length();
        if (n < 2) {
            throw bad(text);
        }
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
            if (n == 2) {
                return UNSPECIFIED;
            }
        } else if (s.charAt(0) == ':') {
            throw bad(text);
        }
        while (i < n) {
            if (count == 8) {
                throw bad(text);
            }
            int start = i;
            int value = 0;
            while (i < n && Character.digit(s.charAt(i), 16) >= 0 && i - start < 5) {
                value = value << 4 | Character.digit(s.charAt(i), 16);
                i++;
            }
            if (i < n && s.charAt(i) == '.') {
                // trailing dotted quad: takes the place of the last two groups
                if (count > 6) {
                    throw bad(text);
                }
                int v4;
                try {
                    v4 = Ipv4Address.parse(s.substring(start)).toInt();
                } catch (IllegalArgumentException e) {
                    throw bad(text);
                }
                groups[count++] = v4 >>> 16;
                groups[count++] = v4 & 0xFFFF;
                i = n;
                break;
            }
            int digits = i - start;
            if (digits == 0 || digits > 4) {
                throw bad(text);
            }
            groups[count++] = value;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != ':') {
                throw bad(text);
            }
            i++;
            if (i < n && s.charAt(i) == ':') {
                if (gap >= 0) {
                    throw bad(text);
                }
                gap = count;
                i++;
                if (i == n) {
                    break;
                }
            } else if (i == n) {
                throw bad(text); // a single trailing ':'
            }
        }
        int[] full = new int[8];
        if (gap >= 0) {
            if (count == 8) {
                throw bad(text);
            }
            for (int g = 0; g < gap; g++) {
                full[g] = groups[g];
            }
            int tail = count - gap;
            for (int g = 0; g < tail; g++) {
                full[8 - tail + g] = groups[gap + g];
            }
        } else {
            if (count != 8) {
                throw bad(text);
            }
            full = groups;
        }
        long h = 0;
        long l = 0;
        for (int g = 0; g < 4; g++) {
            h = h << 16 | full[g];
            l = l << 16 | full[g + 4];
        }
        return new Ipv6Address(h, l);
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("malformed IPv6 address \"" + text
                + "\": expected eight groups of hex digits, one :: at most, such as 2001:db8::1");
    }

    /** The first eight octets. */
    public long high() {
        return high;
    }

    /** The last eight octets. */
    public long low() {
        return low;
    }

    public byte[] toBytes() {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (high >>> (56 - 8 * i));
            b[i + 8] = (byte) (low >>> (56 - 8 * i));
        }
        return b;
    }

    /** 16-bit group {@code i} (0..7). */
    public int group(int i) {
        if (i < 0 || i > 7) {
            throw new IndexOutOfBoundsException("IPv6 group index " + i + " is outside 0..7");
        }
        long word = i < 4 ? high : low;
        return (int) (word >>> (48 - 16 * (i & 3))) & 0xFFFF;
    }

    /** ff00::/8. */
    public boolean isMulticast() {
        return (high >>> 56) == 0xFF;
    }

    /** fe80::/10. */
    public boolean isLinkLocal() {
        return (high >>> 54) == (0xFE80L >>> 6);
    }

    /** The solicited-node multicast address ff02::1:ffXX:XXXX of this address (RFC 4291 2.7.1). */
    public Ipv6Address solicitedNodeMulticast() {
        return new Ipv6Address(0xFF02_0000_0000_0000L, 0x0000_0001_FF00_0000L | (low & 0xFF_FFFFL));
    }

    @Override
    public int compareTo(Ipv6Address o) {
        int c = Long.compareUnsigned(high, o.high);
        return c != 0 ? c : Long.compareUnsigned(low, o.low);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ipv6Address a && a.high == high && a.low == low;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(high) * 31 + Long.hashCode(low);
    }

    /** RFC 5952 form: {@code 2001:db8::1}. */
    @Override
    public String toString() {
        int bestStart = -1;
        int bestLen = 1;
        for (int g = 0; g < 8; ) {
            if (group(g) == 0) {
                int e = g;
                while (e < 8 && group(e) == 0) {
                    e++;
                }
                if (e - g > bestLen) {
                    bestStart = g;
                    bestLen = e - g;
                }
                g = e;
            } else {
                g++;
            }
        }
        StringBuilder b = new StringBuilder(39);
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                b.append("::");
                g += bestLen - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(group(g)));
        }
        return b.toString();
    }
}
