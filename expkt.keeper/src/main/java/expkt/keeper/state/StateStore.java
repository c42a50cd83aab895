package expkt.keeper.state;

import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The states bundles hand to their successors ({@link expkt.api.handler.StateHandover}), by bundle
 * symbolic name. A saved state is deep-copied on {@link #save} into immutable JDK collections, so what
 * version 2 gets is independent of version 1's objects (which belong to a class loader that is going
 * away) and nothing version 1 does after saving changes it.
 *
 * <p>Only immutable JDK value types cross: String, Byte, Short, Integer, Long, Float, Double,
 * BigInteger, BigDecimal, Boolean, Character, byte[] (copied), the values of {@code java.time} and
 * {@code java.time.chrono}, enums of the JDK, and List/Set/Map of these (Map keys must be Strings).
 * Anything else is rejected with an {@link IllegalArgumentException} naming its path in the state and
 * its class, and nothing is stored: a class of the bundle (its loader goes away), a mutable JDK number
 * ({@code AtomicLong}, {@code LongAdder}...: version 1 could still change what version 2 reads, so it
 * is refused with the advice to save its value rather than silently turned into a Long of another
 * type), a state that contains itself (a cycle: refused naming both paths instead of overflowing the
 * stack), or one nested deeper than {@value #MAX_DEPTH} levels.
 *
 * <p>States are kept by a key per bundle ({@link #key}): its symbolic name, which stays across an
 * update; a bundle without one (legal, if rare) is keyed by its bundle id, which an update keeps too, so
 * no two such bundles share a state.
 *
 * <p>Threading: thread-safe.
 */
public final class StateStore {
    /** Deepest nesting of a state; deeper is refused (and could not overflow the copying thread's stack). */
    public static final int MAX_DEPTH = 64;

    private static final java.util.Set<Class<?>> IMMUTABLE_NUMBERS = java.util.Set.of(Byte.class, Short.class, Integer.class,
            Long.class, Float.class, Double.class, java.math.BigInteger.class, java.math.BigDecimal.class);

    private final Map<String, Map<String, Object>> byBundle = new ConcurrentHashMap<>();

    /**
     * The key of a bundle's state: its symbolic name, or {@code "bundle <id>"} for a bundle without one
     * (the id stays across an update, as the name does; two bundles never share it).
     */
    public static String key(String symbolicName, long bundleId) {
        return symbolicName == null || symbolicName.isBlank() ? "bundle " + bundleId : symbolicName;
    }

    /** Replaces what the bundle of {@code key} ({@link #key}) left before with a deep copy of {@code state}. */
    public void save(String key, Map<String, ?> state) {
        requireKey(key);
        if (state == null) {
            throw new IllegalArgumentException("state of " + key + " is null (save an empty map to leave nothing)");
        }
        Map<String, Object> copy = copyMap(state, "state", new Path(null, state, "state"), 0);
        byBundle.put(key, copy);
    }

    private static void requireKey(String key) {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("state key \"" + key + "\" is empty: use StateStore.key(symbolicName, bundleId)");
        }
    }

    /** Takes (removes) what the previous version of {@code symbolicName} saved; empty if nothing. */
    public Map<String, Object> restore(String symbolicName) {
        requireKey(symbolicName);
        Map<String, Object> s = byBundle.remove(symbolicName);
        return s == null ? Map.of() : s;
    }

    /** Drops what {@code symbolicName} saved (its bundle was uninstalled). */
    public void discard(String symbolicName) {
        byBundle.remove(symbolicName);
    }

    /** Bundles with a saved state waiting, and the state's top-level key count (for commands). */
    public Map<String, Integer> pending() {
        Map<String, Integer> m = new java.util.TreeMap<>();
        byBundle.forEach((k, v) -> m.put(k, v.size()));
        return m;
    }

    /** The containers from the root down to the value being copied: a value that is one of them is a cycle. */
    private record Path(Path parent, Object container, String path) {
        String find(Object o) {
            for (Path p = this; p != null; p = p.parent) {
                if (p.container == o) {
                    return p.path;
                }
            }
            return null;
        }
    }

    private static Map<String, Object> copyMap(Map<?, ?> map, String path, Path containers, int depth) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("state key at " + path + " is a "
                        + (e.getKey() == null ? "null" : e.getKey().getClass().getName()) + "; keys must be Strings");
            }
            out.put(key, copy(e.getValue(), path + "." + key, containers, depth + 1));
        }
        return Collections.unmodifiableMap(out);
    }

    private static Object copy(Object v, String path, Path containers, int depth) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Character) {
            return v;
        }
        if (v instanceof Number n) {
            if (IMMUTABLE_NUMBERS.contains(n.getClass())) {
                return n;
            }
            if (n.getClass().getClassLoader() == null) { // AtomicLong, LongAdder...: JDK, but mutable
                throw new IllegalArgumentException("state value at " + path + " is a " + n.getClass().getName()
                        + ", a mutable number the previous version could still change: save its value (a Long or Double)");
            }
            throw rejected(v, path);
        }
        if (v instanceof byte[] b) {
            return b.clone();
        }
        if (v instanceof TemporalAccessor || v instanceof java.time.Duration || v instanceof java.time.ZoneId) {
            String pkg = v.getClass().getPackageName();
            if (v.getClass().getClassLoader() != null || !pkg.equals("java.time") && !pkg.equals("java.time.chrono")) {
                throw rejected(v, path); // java.time.format's Parsed is a mutable TemporalAccessor
            }
            return v; // java.time values are immutable
        }
        if (v instanceof Enum<?> e && e.getDeclaringClass().getClassLoader() == null) {
            return v;
        }
        if (!(v instanceof Map<?, ?> || v instanceof java.util.Set<?> || v instanceof List<?>)) {
            throw rejected(v, path);
        }
        String cycle = containers.find(v);
        if (cycle != null) {
            throw new IllegalArgumentException("state value at " + path + " is the " + v.getClass().getName() + " at " + cycle
                    + " again: the state contains itself (a cycle), which cannot be copied");
        }
        if (depth >= MAX_DEPTH) {
            throw new IllegalArgumentException("state value at " + path.substring(0, Math.min(path.length(), 200))
                    + "... is nested deeper than " + MAX_DEPTH + " levels");
        }
        Path here = new Path(containers, v, path);
        if (v instanceof Map<?, ?> m) {
            return copyMap(m, path, here, depth);
        }
        if (v instanceof java.util.Set<?> s) {
            java.util.Set<Object> out = new java.util.LinkedHashSet<>();
            int i = 0;
            for (Object o : s) {
                out.add(copy(o, path + "[" + i++ + "]", here, depth + 1));
            }
            return Collections.unmodifiableSet(out);
        }
        List<?> l = (List<?>) v;
        List<Object> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            out.add(copy(l.get(i), path + "[" + i + "]", here, depth + 1));
        }
        return Collections.unmodifiableList(out);
    }

    private static IllegalArgumentException rejected(Object v, String path) {
        return new IllegalArgumentException("state value at " + path + " is a " + v.getClass().getName()
                + ": only immutable JDK types (String, Integer, Long, Double, BigDecimal..., Boolean, byte[], java.time, List, Set,"
                + " Map) cross a bundle update");
    }
}
