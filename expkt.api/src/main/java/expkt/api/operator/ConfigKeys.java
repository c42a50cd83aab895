package expkt.api.operator;

import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration keys a component takes, as a {@code .cfg} / {@code .config} file must spell them,
 * and those of a configuration it does not know. Declarative Services maps the members of a component
 * property type to keys (OSGi Compendium 112.8.2.2): {@code tx_interval()} is the key
 * {@code tx.interval}, {@code __} is {@code _}, {@code $_$} is {@code -}, {@code $$} is {@code $}, a
 * single {@code $} vanishes, and a {@code PREFIX_} constant is put in front. A key written the way the
 * member is ({@code tx_interval}) is therefore not the member's key, and DS ignores it without a word;
 * {@link #unknown} finds such keys so the component can say so.
 *
 * <p>Keys every configuration may carry and no component declares are not unknown: those of
 * ConfigAdmin, DS, the framework and FileInstall ({@code service.*}, {@code component.*},
 * {@code felix.fileinstall.*}, {@code osgi.*}, {@code objectClass}), private keys (starting with
 * {@code .}), and the whiteboard handler properties ({@code expkt.filter.*}, {@code expkt.rx.*}),
 * which a configuration may set to change a handler's filter.
 *
 * <p>Threading: stateless, thread-safe.
 */
public final class ConfigKeys {
    private static final List<String> STANDARD_PREFIXES = List.of("service.", "component.", "felix.fileinstall.", "osgi.",
            "expkt.filter.", "expkt.rx.", ".");
    private static final Set<String> STANDARD_KEYS = Set.of("objectClass");

    private ConfigKeys() {
    }

    /** The keys of {@code type}'s members, sorted. */
    public static Set<String> of(Class<? extends Annotation> type) {
        String prefix = "";
        try {
            Field f = type.getField("PREFIX_");
            if (f.get(null) instanceof String p) {
                prefix = p;
            }
        } catch (NoSuchFieldException | IllegalAccessException e) {
            // no prefix
        }
        Set<String> keys = new TreeSet<>();
        for (Method m : type.getDeclaredMethods()) {
            if (m.getParameterCount() == 0 && !m.isSynthetic()) {
                keys.add(prefix + key(m.getName()));
            }
        }
        return Collections.unmodifiableSet(keys);
    }

    /** The key DS derives from the member name {@code member} (112.8.2.2). */
    public static String key(String member) {
        StringBuilder b = new StringBuilder(member.length());
        for (int i = 0; i < member.length(); i++) {
            char c = member.charAt(i);
            if (c == '$') {
                if (i + 1 < member.length() && member.charAt(i + 1) == '$') {
                    b.append('$');
                    i++;
                } else if (i + 2 < member.length() && member.charAt(i + 1) == '_' && member.charAt(i + 2) == '$') {
                    b.append('-');
                    i += 2;
                }
            } else if (c == '_') {
                if (i + 1 < member.length() && member.charAt(i + 1) == '_') {
                    b.append('_');
                    i++;
                } else {
                    b.append('.');
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * The keys of {@code configuration} that {@code type} does not take and that are none of the
     * standard ones, sorted; each with a hint when it is the member spelling of a known key
     * ({@code tx_interval (did you mean tx.interval?)}). Empty if every key is known.
     */
    public static List<String> unknown(Class<? extends Annotation> type, Map<String, ?> configuration) {
        Set<String> known = of(type);
        List<String> unknown = new ArrayList<>();
        for (String k : new TreeSet<>(configuration.keySet())) {
            if (known.contains(k) || STANDARD_KEYS.contains(k) || STANDARD_PREFIXES.stream().anyMatch(k::startsWith)) {
                continue;
            }
            String guess = guess(k, known);
            unknown.add(Printable.escape(k) + (guess == null ? "" : " (did you mean " + guess + "?)"));
        }
        return List.copyOf(unknown);
    }

    /** A known key that differs from {@code k} only in separators ('_', '.', '-') or case, or null. */
    private static String guess(String k, Set<String> known) {
        String norm = normalise(k);
        for (String c : known) {
            if (normalise(c).equals(norm)) {
                return c;
            }
        }
        return null;
    }

    private static String normalise(String k) {
        return k.replaceAll("[._\\-]", "").toLowerCase(java.util.Locale.ROOT);
    }
}
