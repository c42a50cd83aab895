package expkt.provider.upgrade;

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
 * <p>Only JDK value types cross: String, Number (the java.lang and java.math ones), Boolean, Character,
 * byte[] (copied), java.time values, enums of the JDK, and List/Set/Map of these (Map keys must be
 * Strings). Anything else is rejected with an {@link IllegalArgumentException} naming its path in the
 * state and its class, and nothing is stored.
 *
 * <p>Threading: thread-safe.
 */
public final class StateStore {
    private final Map<String, Map<String, Object>> byBundle = new ConcurrentHashMap<>();

    /** Replaces what {@code symbolicName} left before with a deep copy of {@code state}. */
    public void save(String symbolicName, Map<String, ?> state) {
        if (state == null) {
            throw new IllegalArgumentException("state of " + symbolicName + " is null (save an empty map to leave nothing)");
        }
        Map<String, Object> copy = copyMap(state, "state");
        byBundle.put(symbolicName, copy);
    }

    /** Takes (removes) what the previous version of {@code symbolicName} saved; empty if nothing. */
    public Map<String, Object> restore(String symbolicName) {
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

    private static Map<String, Object> copyMap(Map<?, ?> map, String path) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("state key at " + path + " is a "
                        + (e.getKey() == null ? "null" : e.getKey().getClass().getName()) + "; keys must be Strings");
            }
            out.put(key, copy(e.getValue(), path + "." + key));
        }
        return Collections.unmodifiableMap(out);
    }

    private static Object copy(Object v, String path) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Character) {
            return v;
        }
        if (v instanceof Number n) {
            if (n.getClass().getClassLoader() != null) {
                throw rejected(v, path);
            }
            return n;
        }
        if (v instanceof byte[] b) {
            return b.clone();
        }
        if (v instanceof TemporalAccessor || v instanceof java.time.Duration || v instanceof java.time.ZoneId) {
            if (v.getClass().getClassLoader() != null) {
                throw rejected(v, path);
            }
            return v; // java.time values are immutable
        }
        if (v instanceof Enum<?> e && e.getDeclaringClass().getClassLoader() == null) {
            return v;
        }
        if (v instanceof Map<?, ?> m) {
            return copyMap(m, path);
        }
        if (v instanceof java.util.Set<?> s) {
            java.util.Set<Object> out = new java.util.LinkedHashSet<>();
            int i = 0;
            for (Object o : s) {
                out.add(copy(o, path + "[" + i++ + "]"));
            }
            return Collections.unmodifiableSet(out);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (int i = 0; i < l.size(); i++) {
                out.add(copy(l.get(i), path + "[" + i + "]"));
            }
            return Collections.unmodifiableList(out);
        }
        throw rejected(v, path);
    }

    private static IllegalArgumentException rejected(Object v, String path) {
        return new IllegalArgumentException("state value at " + path + " is a " + v.getClass().getName()
                + ": only JDK types (String, Number, Boolean, byte[], java.time, List, Set, Map) cross a bundle update");
    }
}
