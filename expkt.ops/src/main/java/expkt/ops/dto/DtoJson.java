package expkt.ops.dto;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OSGi DTOs (public instance fields of plain types, lists, maps and nested DTOs) as maps and lists
 * that a JSON writer writes as they are, field names as keys, in declaration order.
 *
 * <p>Threading: stateless.
 */
public final class DtoJson {
    private DtoJson() {
    }

    public static Object toJson(Object o) {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean) {
            return o;
        }
        if (o instanceof Character || o instanceof Enum<?>) {
            return o.toString();
        }
        if (o instanceof Collection<?> c) {
            List<Object> l = new ArrayList<>(c.size());
            for (Object x : c) {
                l.add(toJson(x));
            }
            return l;
        }
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), toJson(v)));
            return out;
        }
        if (o.getClass().isArray()) {
            int n = java.lang.reflect.Array.getLength(o);
            List<Object> l = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                l.add(toJson(java.lang.reflect.Array.get(o, i)));
            }
            return l;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Field f : o.getClass().getFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            try {
                out.put(f.getName(), toJson(f.get(o)));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("public field " + f + " not readable", e);
            }
        }
        return out;
    }
}
