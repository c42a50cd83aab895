package expkt.api.net;

import java.util.List;

/**
 * An IEEE 802 MAC address (48 bits), immutable, held in the low 48 bits of a {@code long} so that
 * comparing it with a frame's bytes needs no array.
 *
 * <p>Accepted forms, as in the seed: {@code "00:E0:2B:00:00:00"} (also {@code -} or no separator,
 * either case), six bytes, or six ints 0..255 ({@code [0x00,0xE0,0x2B,0x00,0x00,0x00]}).
 */
public final class MacAddress implements Comparable<MacAddress> {
    public static final MacAddress BROADCAST = new MacAddress(0xFFFF_FFFF_FFFFL);
    /** The LLDP nearest-bridge group address 01:80:C2:00:00:0E. */
    public static final MacAddress LLDP_NEAREST_BRIDGE = new MacAddress(0x0180_C200_000EL);

    private final long bits;

    private MacAddress(long bits) {
        this.bits = bits;
    }

    /** The address whose 48 bits are the low 48 bits of {@code bits}; the high 16 must be zero. */
    public static MacAddress of(long bits) {
        if ((bits & ~0xFFFF_FFFF_FFFFL) != 0) {
            throw new IllegalArgumentException("MAC address value 0x" + Long.toHexString(bits) + " has more than 48 bits");
        }
        return new MacAddress(bits);
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff}, {@code aa-bb-cc-dd-ee-ff} or {@code aabbccddeeff}. */
    public static MacAddress parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("MAC address is null");
        }
        String s = text.trim();
        String hex;
        if (s.length() == 17) {
            char sep = s.charAt(2);
            if (sep != ':' && sep != '-') {
                throw bad(text);
            }
            StringBuilder b = new StringBuilder(12);
            for (int i = 0; i < 17; i++) {
                if (i % 3 == 2) {
                    if (s.charAt(i) != sep) {
                        throw bad(text);
                    }
                } else {
                    b.append(s.charAt(i));
                }
            }
            hex = b.toString();
        } else if (s.length() == 12) {
            hex = s;
        } else {
            throw bad(text);
        }
        long v = 0;
        for (int i = 0; i < 12; i++) {
            int d = hexDigit(hex.charAt(i));
            if (d < 0) {
                throw bad(text);
            }
            v = (v << 4) | d;
        }
        return new MacAddress(v);
    }

    /**
     * 0..15 for an ASCII hex digit, else -1. Not {@link Character#digit}: it also takes fullwidth and
     * other Unicode digits ("００:E0:…"), which no tool that shows or compares MACs would read as ours.
     */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("malformed MAC address \"" + text
                + "\": expected six hex octets such as 00:E0:2B:00:00:00");
    }

    /** Six bytes, most significant first. */
    public static MacAddress of(byte[] octets) {
        if (octets == null || octets.length != 6) {
            throw new IllegalArgumentException("MAC address needs 6 bytes, got "
                    + (octets == null ? "null" : octets.length + " " + java.util.Arrays.toString(octets)));
        }
        long v = 0;
        for (byte o : octets) {
            v = (v << 8) | (o & 0xFF);
        }
        return new MacAddress(v);
    }

    /** Six ints 0..255, the seed's own form: {@code MacAddress.of(0x00,0xE0,0x2B,0x00,0x00,0x00)}. */
    public static MacAddress of(int... octets) {
        if (octets == null || octets.length != 6) {
            throw new IllegalArgumentException("MAC address needs 6 octets, got "
                    + (octets == null ? "null" : octets.length + " " + java.util.Arrays.toString(octets)));
        }
        long v = 0;
        for (int o : octets) {
            if (o < 0 || o > 255) {
                throw new IllegalArgumentException("MAC address octet " + o + " is outside 0..255 in "
                        + java.util.Arrays.toString(octets));
            }
            v = (v << 8) | o;
        }
        return new MacAddress(v);
    }

    /** Six numbers 0..255, as a list (the seed passes a Python list). */
    public static MacAddress of(List<? extends Number> octets) {
        if (octets == null) {
            throw new IllegalArgumentException("MAC address is null");
        }
        int[] v = new int[octets.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = octets.get(i).intValue();
        }
        return of(v);
    }

    /**
     * Any accepted form: a {@code MacAddress}, a {@code String}, a {@code byte[]}, an {@code int[]}
     * or a {@code List} of numbers.
     */
    public static MacAddress from(Object value) {
        return switch (value) {
            case MacAddress m -> m;
            case String s -> parse(s);
            case byte[] b -> of(b);
            case int[] i -> of(i);
            case List<?> l -> {
                for (Object o : l) {
                    if (!(o instanceof Number)) {
                        throw new IllegalArgumentException("MAC address list " + l + " holds a non-number " + o);
                    }
                }
                @SuppressWarnings("unchecked")
                List<? extends Number> n = (List<? extends Number>) l;
                yield of(n);
            }
            case null -> throw new IllegalArgumentException("MAC address is null");
            default -> throw new IllegalArgumentException("cannot read a MAC address from " + value.getClass().getName() + " " + value);
        };
    }

    /** The 48 bits, in the low bits of the result. */
    public long toLong() {
        return bits;
    }

    public byte[] toBytes() {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (bits >>> (40 - 8 * i));
        }
        return b;
    }

    /** Octet {@code i} (0 = first on the wire). */
    public int octet(int i) {
        if (i < 0 || i > 5) {
            throw new IndexOutOfBoundsException("MAC octet index " + i);
        }
        return (int) (bits >>> (40 - 8 * i)) & 0xFF;
    }

    public boolean isMulticast() {
        return (bits & 0x0100_0000_0000L) != 0;
    }

    public boolean isBroadcast() {
        return bits == 0xFFFF_FFFF_FFFFL;
    }

    @Override
    public int compareTo(MacAddress o) {
        return Long.compare(bits, o.bits);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && m.bits == bits;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bits);
    }

    /** Upper-case, colon separated: {@code 00:E0:2B:00:00:00}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                b.append(':');
            }
            int o = octet(i);
            b.append(Character.toUpperCase(Character.forDigit(o >> 4, 16)));
            b.append(Character.toUpperCase(Character.forDigit(o & 0xF, 16)));
        }
        return b.toString();
    }
}
