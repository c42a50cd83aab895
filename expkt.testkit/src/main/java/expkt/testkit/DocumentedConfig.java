package expkt.testkit;

import expkt.api.operator.ConfigKeys;

import java.io.IOException;
import java.io.StringReader;
import java.lang.annotation.Annotation;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration protocols/README.md documents for a PID, read as the host reads it: the
 * {@code properties} code blocks whose first line names {@code run/deploy/<pid>.cfg} (parsed as
 * FileInstall parses a {@code .cfg} file: java.util.Properties, every value a String), the keys of the
 * PID's table, and a configuration object made from such a file as Declarative Services makes it
 * (member {@code tx_interval()} reads key {@code tx.interval}, Strings converted to the member's type;
 * a missing key gives the member's default).
 *
 * <p>For a protocol bundle's tests: the README read is {@code ../README.md} from the working
 * directory (Maven runs a module's tests in the module's folder: {@code protocols/README.md} for a
 * bundle under {@code protocols/}), so the documented keys and examples are checked against the
 * component's real configuration type.
 */
public final class DocumentedConfig {
    private DocumentedConfig() {
    }

    public static String readme() throws IOException {
        return Files.readString(Path.of("..", "README.md"));
    }

    /** Each documented {@code .cfg} example of {@code pid}, as the String properties FileInstall reads from it. */
    public static List<Map<String, Object>> examples(String pid) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        Matcher m = Pattern.compile("```properties\\n(.*?)```", Pattern.DOTALL).matcher(readme());
        while (m.find()) {
            String block = m.group(1);
            if (block.lines().findFirst().orElse("").strip().equals("# run/deploy/" + pid + ".cfg")) {
                Properties p = new Properties();
                p.load(new StringReader(block));
                Map<String, Object> map = new TreeMap<>();
                p.forEach((k, v) -> map.put((String) k, v));
                out.add(map);
            }
        }
        return out;
    }

    /** The keys in the first column of the table of the README section that names PID {@code pid}. */
    public static Set<String> tableKeys(String pid) throws IOException {
        String text = readme();
        int from = text.indexOf("PID `" + pid + "`");
        if (from < 0) {
            throw new AssertionError("protocols/README.md does not name PID " + pid);
        }
        int to = text.indexOf("\n## ", from);
        Set<String> keys = new LinkedHashSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `([^`]+)` \\|").matcher(text.substring(from, to < 0 ? text.length() : to));
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }

    /** {@code type} over {@code properties}, converted as DS converts (strictly: "5 " is no int). */
    public static <T extends Annotation> T configuration(Class<T> type, Map<String, ?> properties) {
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            if (method.getName().equals("annotationType")) {
                return type;
            }
            if (method.getDeclaringClass() == Object.class) {
                return method.getName().equals("toString") ? type.getSimpleName() + properties : method.invoke(properties, args);
            }
            Object v = properties.get(ConfigKeys.key(method.getName()));
            return v == null ? method.getDefaultValue() : convert(v, method);
        });
        return type.cast(proxy);
    }

    private static Object convert(Object v, Method m) {
        Class<?> t = m.getReturnType();
        if (t.isArray()) {
            Object a = Array.newInstance(t.getComponentType(), 1);
            Array.set(a, 0, scalar(v, t.getComponentType(), m));
            return a;
        }
        return scalar(v, t, m);
    }

    private static Object scalar(Object v, Class<?> t, Method m) {
        String s = String.valueOf(v);
        try {
            if (t == int.class) {
                return Integer.parseInt(s);
            }
            if (t == long.class) {
                return Long.parseLong(s);
            }
            if (t == boolean.class) {
                return Boolean.parseBoolean(s);
            }
        } catch (NumberFormatException e) {
            throw new AssertionError("key " + ConfigKeys.key(m.getName()) + "=\"" + s + "\" is no " + t, e);
        }
        return s;
    }
}
