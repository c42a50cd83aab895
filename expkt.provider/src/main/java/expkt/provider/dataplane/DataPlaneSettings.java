package expkt.provider.dataplane;

import expkt.api.operator.Printable;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One configuration of PID {@code expkt.dataplane}, read strictly from the raw ConfigAdmin
 * properties and checked as a whole before any of it is applied: the port and VLAN entries (whose
 * meaning {@link DataPlaneConfigParser} checks against the namespace's interfaces) and the receive
 * ring geometry, every number within the bounds below.
 *
 * <p>Why strict: DS hands a component its configuration through an annotation type, which maps a
 * key it does not know to nothing and a number it cannot convert to the default. A misspelled
 * {@code vlan=} or {@code ring.blok.size=} then applied the configuration as if it were empty (VLANs
 * gone, ring back to defaults), and {@code ring.block.size=16777216} (16 MiB blocks, 4 GiB of pinned
 * kernel memory per socket) was accepted with an INFO line. Here an unknown key, a value of the
 * wrong type, a number out of bounds or written ambiguously refuses the whole configuration, with
 * every problem named in one message.
 *
 * <p>Immutable and thread-safe.
 */
public record DataPlaneSettings(List<String> ports, List<String> vlans, int ringBlockSize, int ringBlockCount,
                                int ringRetireMillis) {
    public static final String PORTS = "ports";
    public static final String VLANS = "vlans";
    public static final String RING_BLOCK_SIZE = "ring.block.size";
    public static final String RING_BLOCK_COUNT = "ring.block.count";
    public static final String RING_RETIRE_MS = "ring.retire.ms";
    /** The keys of this PID, as a {@code .cfg} file writes them. */
    public static final Set<String> KEYS = Set.of(PORTS, VLANS, RING_BLOCK_SIZE, RING_BLOCK_COUNT, RING_RETIRE_MS);

    /** Smallest block: one page (the kernel wants a multiple of the page size). */
    public static final int RING_BLOCK_SIZE_MIN = 4096;
    /** Largest block: 4 MiB, 8 x the bench's 512 KiB; a block is one physically contiguous allocation where it can be. */
    public static final int RING_BLOCK_SIZE_MAX = 4 << 20;
    public static final int RING_BLOCK_COUNT_MIN = 2;
    public static final int RING_BLOCK_COUNT_MAX = 4096;
    /**
     * Largest ring per socket (block size x block count): 64 MiB. The ring is locked kernel memory
     * and every socket (every whiteboard handler) has one; the default is 4 MiB.
     */
    public static final long RING_BYTES_MAX = 64L << 20;
    public static final int RING_RETIRE_MS_MIN = 1;
    public static final int RING_RETIRE_MS_MAX = 10_000;

    public static final int DEFAULT_RING_BLOCK_SIZE = 16384;
    public static final int DEFAULT_RING_BLOCK_COUNT = 256;
    public static final int DEFAULT_RING_RETIRE_MS = 2;

    /** No ports, no VLANs, the default ring: what the provider runs with when it has no configuration. */
    public static final DataPlaneSettings DEFAULT = new DataPlaneSettings(List.of(), List.of(), DEFAULT_RING_BLOCK_SIZE,
            DEFAULT_RING_BLOCK_COUNT, DEFAULT_RING_RETIRE_MS);

    public DataPlaneSettings {
        ports = List.copyOf(ports);
        vlans = List.copyOf(vlans);
        List<String> problems = new ArrayList<>();
        if (ringBlockSize == Integer.MIN_VALUE || ringBlockCount == Integer.MIN_VALUE || ringRetireMillis == Integer.MIN_VALUE) {
            problems.add("ring geometry " + ringBlockSize + " x " + ringBlockCount + ", " + ringRetireMillis + " ms is out of bounds");
        }
        checkRing(ringBlockSize, ringBlockCount, ringRetireMillis, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /**
     * Reads a configuration from the component properties DS passes (a null map: no configuration).
     * Keys that are not this PID's are refused, except those the framework adds ({@code service.*},
     * {@code component.*}, {@code felix.fileinstall.*}, {@code osgi.*} and keys starting with a dot,
     * which ConfigAdmin keeps private).
     *
     * @throws IllegalArgumentException naming every unknown key and every bad value, with the bound it
     *         breaks; nothing of the configuration is then to be applied
     */
    public static DataPlaneSettings from(Map<String, ?> properties) {
        if (properties == null) {
            return DEFAULT;
        }
        List<String> problems = new ArrayList<>();
        Set<String> unknown = new TreeSet<>();
        for (String key : properties.keySet()) {
            if (!KEYS.contains(key) && !isFrameworkKey(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            // escaped: a key comes from a file and ends up on the operator's terminal (expkt:ports, the log)
            problems.add("unknown key" + (unknown.size() == 1 ? " " : "s ")
                    + String.join(", ", unknown.stream().map(k -> "\"" + Printable.escape(k) + "\"").toList())
                    + " (the keys of expkt.dataplane are " + String.join(", ", new TreeSet<>(KEYS)) + ")");
        }
        List<String> ports = entries(properties, PORTS, problems);
        List<String> vlans = entries(properties, VLANS, problems);
        int blockSize = number(properties, RING_BLOCK_SIZE, DEFAULT_RING_BLOCK_SIZE, problems);
        int blockCount = number(properties, RING_BLOCK_COUNT, DEFAULT_RING_BLOCK_COUNT, problems);
        int retire = number(properties, RING_RETIRE_MS, DEFAULT_RING_RETIRE_MS, problems);
        checkRing(blockSize, blockCount, retire, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new DataPlaneSettings(ports, vlans, blockSize, blockCount, retire);
    }

    /**
     * Checks a ring geometry against the bounds above.
     *
     * @throws IllegalArgumentException naming every value out of bounds
     */
    public static void checkRing(int blockSize, int blockCount, int retireMillis) {
        new DataPlaneSettings(List.of(), List.of(), blockSize, blockCount, retireMillis);
    }

    /** True for the keys ConfigAdmin, DS and FileInstall add to every configuration. */
    static boolean isFrameworkKey(String key) {
        return key.startsWith("service.") || key.startsWith("component.") || key.startsWith("felix.fileinstall.")
                || key.startsWith("osgi.") || key.startsWith(".");
    }

    /** The ring geometry's bounds; a number that failed to read ({@link Integer#MIN_VALUE}) is not reported twice. */
    private static void checkRing(int blockSize, int blockCount, int retire, List<String> problems) {
        boolean sizeOk = false;
        if (blockSize != Integer.MIN_VALUE) {
            if (blockSize < RING_BLOCK_SIZE_MIN || blockSize > RING_BLOCK_SIZE_MAX || Integer.bitCount(blockSize) != 1) {
                problems.add(RING_BLOCK_SIZE + " " + blockSize + " must be a power of two from " + RING_BLOCK_SIZE_MIN + " to "
                        + RING_BLOCK_SIZE_MAX + " (4 MiB)");
            } else {
                sizeOk = true;
            }
        }
        boolean countOk = false;
        if (blockCount != Integer.MIN_VALUE) {
            if (blockCount < RING_BLOCK_COUNT_MIN || blockCount > RING_BLOCK_COUNT_MAX) {
                problems.add(RING_BLOCK_COUNT + " " + blockCount + " is outside " + RING_BLOCK_COUNT_MIN + ".." + RING_BLOCK_COUNT_MAX);
            } else {
                countOk = true;
            }
        }
        if (sizeOk && countOk && (long) blockSize * blockCount > RING_BYTES_MAX) {
            problems.add(RING_BLOCK_SIZE + " x " + RING_BLOCK_COUNT + " = " + blockSize + " x " + blockCount + " = "
                    + ((long) blockSize * blockCount >> 20) + " MiB per socket is more than " + (RING_BYTES_MAX >> 20)
                    + " MiB (each socket's ring is locked kernel memory)");
        }
        if (retire != Integer.MIN_VALUE && (retire < RING_RETIRE_MS_MIN || retire > RING_RETIRE_MS_MAX)) {
            problems.add(RING_RETIRE_MS + " " + retire + " is outside " + RING_RETIRE_MS_MIN + ".." + RING_RETIRE_MS_MAX);
        }
    }

    /** Entries: a String[] or a Collection of Strings, or one String (a .cfg file's plain value) as one entry. */
    private static List<String> entries(Map<String, ?> properties, String key, List<String> problems) {
        Object v = properties.get(key);
        if (v == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        Collection<?> items = switch (v) {
            case String s -> List.of(s);
            case String[] a -> List.of((Object[]) a);
            case Collection<?> c -> c;
            default -> null;
        };
        if (items == null) {
            problems.add(key + " is a " + v.getClass().getSimpleName() + " (" + v + "), not a list of strings");
            return List.of();
        }
        for (Object o : items) {
            if (!(o instanceof String s)) {
                problems.add(key + " holds " + (o == null ? "null" : "a " + o.getClass().getSimpleName() + " (" + o + ")")
                        + ", not a string");
                continue;
            }
            if (!s.isBlank()) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * A whole number: an Integer, a Long/Short/Byte/BigInteger/Double that is exactly an int, or a
     * String of ASCII decimal digits (a .cfg file's plain value) without a leading zero (so that
     * nobody reads {@code 010} as octal 8). Absent: {@code absent}. Bad: a problem and
     * {@link Integer#MIN_VALUE}.
     */
    private static int number(Map<String, ?> properties, String key, int absent, List<String> problems) {
        Object v = properties.get(key);
        if (v == null) {
            return absent;
        }
        if (v instanceof Number n) {
            try {
                return new BigDecimal(n.toString()).intValueExact();
            } catch (NumberFormatException | ArithmeticException e) {
                problems.add(key + " " + n + " (" + n.getClass().getSimpleName() + ") is not a whole number that fits an int");
                return Integer.MIN_VALUE;
            }
        }
        if (v instanceof String s) {
            try {
                return decimal(s.strip());
            } catch (IllegalArgumentException e) {
                problems.add(key + " \"" + s + "\" " + e.getMessage());
                return Integer.MIN_VALUE;
            }
        }
        problems.add(key + " is a " + v.getClass().getSimpleName() + " (" + v + "), not a number");
        return Integer.MIN_VALUE;
    }

    /**
     * Parses a non-negative decimal int written with ASCII digits and no leading zero ({@code "0"}
     * itself is fine). Integer.parseInt would also take a sign and any Unicode digit.
     *
     * @throws IllegalArgumentException whose message says what is wrong (without the value)
     */
    public static int decimal(String s) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("is empty");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("is not a decimal number (ASCII digits 0-9 only)");
            }
        }
        if (s.length() > 1 && s.charAt(0) == '0') {
            throw new IllegalArgumentException("has a leading zero (write decimal without leading zeros: 010 is octal 8 to some tools)");
        }
        if (s.length() > 10 || Long.parseLong(s) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("is larger than " + Integer.MAX_VALUE);
        }
        return Integer.parseInt(s);
    }
}
