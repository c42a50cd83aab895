package expkt.api.operator;

/**
 * Escapes text for display, so that bytes a peer chose can neither move the cursor, recolour or retitle
 * a terminal, nor forge a line of a table or a log: every C0 control character (LF, CR, TAB, ESC
 * included) and DEL become {@code \xNN}, every C1 control (U+0080..U+009F, which some terminals obey
 * as CSI and OSC) and the Unicode characters that reorder or break lines (U+2028/U+2029, the
 * bidirectional embeddings, overrides and isolates U+202A..U+202E and U+2066..U+2069, U+200E/U+200F,
 * U+061C) become {@code \\uNNNN}; from bytes, every byte that is not part of well-formed UTF-8 becomes
 * {@code \xNN}. Everything else, any printable character of any script included, is kept.
 *
 * <p>The escape is idempotent: a backslash is not itself escaped, so text already escaped passes through
 * unchanged and every layer (table, Gogo command, log line) may escape again without doubling. The price:
 * a peer that sends the four characters {@code \x1b} shows the same as one that sends ESC. Both are
 * harmless on a terminal, which is what this is for.
 *
 * <p>Threading: stateless, thread-safe.
 */
public final class Printable {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Printable() {
    }

    /** {@code text} with every control and reordering character escaped; null stays null. */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        int i = 0;
        while (i < text.length() && !needsEscape(text.charAt(i))) {
            i++;
        }
        if (i == text.length()) {
            return text; // the common case: nothing to do, nothing allocated
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        b.append(text, 0, i);
        for (; i < text.length(); i++) {
            appendChar(b, text.charAt(i));
        }
        return b.toString();
    }

    /**
     * The UTF-8 text in {@code bytes[offset, offset + length)} for display: decoded, with controls
     * escaped as by {@link #escape(String)} and every byte of an ill-formed sequence (a stray
     * continuation byte, a truncated sequence, an overlong form, a surrogate, a value above U+10FFFF)
     * shown as {@code \xNN}.
     */
    public static String utf8(byte[] bytes, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        StringBuilder b = new StringBuilder(length);
        int end = offset + length;
        int i = offset;
        while (i < end) {
            int c = bytes[i] & 0xFF;
            if (c < 0x80) {
                appendChar(b, (char) c);
                i++;
                continue;
            }
            int n = sequenceLength(bytes, i, end);
            if (n == 0) {
                appendHex(b, c);
                i++;
                continue;
            }
            int cp = switch (n) {
                case 2 -> (c & 0x1F) << 6 | bytes[i + 1] & 0x3F;
                case 3 -> (c & 0x0F) << 12 | (bytes[i + 1] & 0x3F) << 6 | bytes[i + 2] & 0x3F;
                default -> (c & 0x07) << 18 | (bytes[i + 1] & 0x3F) << 12 | (bytes[i + 2] & 0x3F) << 6 | bytes[i + 3] & 0x3F;
            };
            if (cp < 0x10000) {
                appendChar(b, (char) cp);
            } else {
                b.appendCodePoint(cp);
            }
            i += n;
        }
        return b.toString();
    }

    /** See {@link #utf8(byte[], int, int)}. */
    public static String utf8(byte[] bytes) {
        return utf8(bytes, 0, bytes.length);
    }

    /**
     * Length of the well-formed UTF-8 sequence starting at {@code i} (2..4), or 0 if it is ill-formed
     * (Unicode 15, table 3-7: the ranges of the second byte exclude overlong forms and surrogates).
     */
    private static int sequenceLength(byte[] s, int i, int end) {
        int c = s[i] & 0xFF;
        int n;
        int lo = 0x80;
        int hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            if (c == 0xE0) {
                lo = 0xA0;
            } else if (c == 0xED) {
                hi = 0x9F;
            }
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            if (c == 0xF0) {
                lo = 0x90;
            } else if (c == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return 0;
        }
        if (i + n > end) {
            return 0;
        }
        int second = s[i + 1] & 0xFF;
        if (second < lo || second > hi) {
            return 0;
        }
        for (int k = 2; k < n; k++) {
            int cont = s[i + k] & 0xFF;
            if (cont < 0x80 || cont > 0xBF) {
                return 0;
            }
        }
        return n;
    }

    /** True if {@code c} must not reach a terminal as it is. */
    public static boolean needsEscape(char c) {
        return c < 0x20 || c >= 0x7F && c <= 0x9F
                || c == 0x061C || c == 0x200E || c == 0x200F || c >= 0x2028 && c <= 0x202E || c >= 0x2066 && c <= 0x2069;
    }

    private static void appendChar(StringBuilder b, char c) {
        if (!needsEscape(c)) {
            b.append(c);
        } else if (c <= 0x7F) {
            appendHex(b, c);
        } else {
            b.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF]).append(HEX[c >> 4 & 0xF]).append(HEX[c & 0xF]);
        }
    }

    private static void appendHex(StringBuilder b, int v) {
        b.append("\\x").append(HEX[v >> 4 & 0xF]).append(HEX[v & 0xF]);
    }
}
