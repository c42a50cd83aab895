package expkt.api.net;

/**
 * An IPv4 address, immutable, held in an {@code int} (network order: the first octet is the most
 * significant byte) so that comparing it with a frame's bytes needs no array.
 *
 * <p>Parses only the strict dotted-quad form {@code 192.0.2.1}: four decimal octets 0..255 without
 * leading zeros (which some tools read as octal), no host names, so parsing never touches DNS.
 */
public final class Ipv4Address implements Comparable<Ipv4Address> {
    public static final Ipv4Address ANY = new Ipv4Address(0);
    public static final Ipv4Address BROADCAST = new Ipv4Address(0xFFFF_FFFF);

    private final int bits;

    private Ipv4Address(int bits) {
        this.bits = bits;
    }

    /** The address whose 32 bits are {@code bits} (first octet in the high byte). */
    public static Ipv4Address of(int bits) {
        return new Ipv4Address(bits);
    }

    /** Four bytes, first octet first. */
    public static Ipv4Address of(byte[] octets) {
        if (octets == null || octets.length != 4) {
            throw new IllegalArgumentException("IPv4 address needs 4 bytes, got "
                    + (octets == null ? "null" : octets.length + " " + java.util.Arrays.toString(octets)));
        }
        return new Ipv4Address((octets[0] & 0xFF) << 24 | (octets[1] & 0xFF) << 16 | (octets[2] & 0xFF) << 8 | (octets[3] & 0xFF));
    }

    /** Four ints 0..255: {@code Ipv4Address.of(192, 0, 2, 1)}. */
    public static Ipv4Address of(int a, int b, int c, int d) {
        int[] o = {a, b, c, d};
        int v = 0;
        for (int x : o) {
            if (x < 0 || x > 255) {
                throw new IllegalArgumentException("IPv4 address octet " + x + " is outside 0..255 in "
                        + a + "." + b + "." + c + "." + d);
            }
            v = v << 8 | x;
        }
        return new Ipv4Address(v);
    }

    /** Parses {@code a.b.c.d}. */
    public static Ipv4Address parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("IPv4 address is null");
        }
        String s = text.trim();
        int v = 0;
        int octets = 0;
        int i = 0;
        int n = s.length();
        while (true) {
            int start = i;
            int value = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    throw bad(text);
                }
            }
            int digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
                throw bad(text);
            }
            v = v << 8 | value;
            octets++;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != '.' || octets == 4) {
                throw bad(text);
            }
            i++;
        }
        if (octets != 4) {
            throw bad(text);
        }
        return new Ipv4Address(v);
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("malformed IPv4 address \"" + text
                + "\": expected four decimal octets 0..255 such as 192.0.2.1");
    }

    /** The 32 bits, first octet in the high byte. */
    public int toInt() {
        return bits;
    }

    public byte[] toBytes() {
        return new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
    }

    /** Octet {@code i} (0 = first on the wire). */
    public int octet(int i) {
        if (i < 0 || i > 3) {
            throw new IndexOutOfBoundsException("IPv4 octet index " + i + " is outside 0..3");
        }
        return bits >>> (24 - 8 * i) & 0xFF;
    }

    /** 224.0.0.0/4. */
    public boolean isMulticast() {
        return (bits & 0xF000_0000) == 0xE000_0000;
    }

    @Override
    public int compareTo(Ipv4Address o) {
        return Integer.compareUnsigned(bits, o.bits);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ipv4Address a && a.bits == bits;
    }

    @Override
    public int hashCode() {
        return bits;
    }

    /** Dotted quad: {@code 192.0.2.1}. */
    @Override
    public String toString() {
        return (bits >>> 24) + "." + (bits >>> 16 & 0xFF) + "." + (bits >>> 8 & 0xFF) + "." + (bits & 0xFF);
    }
}
