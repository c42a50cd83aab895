package expkt.host.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OSGi manifest header split into clauses ({@code Import-Package: a;b;version="[1,2)", c}): each
 * clause has one or more paths, attributes ({@code k=v}, a type suffix {@code k:Version=v} dropped)
 * and directives ({@code k:=v}). Quotes protect commas and semicolons. Stateless.
 */
record ManifestHeader(List<Clause> clauses) {

    /** One clause: its paths, attributes and directives. */
    record Clause(List<String> paths, Map<String, String> attributes, Map<String, String> directives) {
    }

    static ManifestHeader parse(String header) {
        List<Clause> clauses = new ArrayList<>();
        if (header == null || header.isBlank()) {
            return new ManifestHeader(clauses);
        }
        for (String clause : split(header, ',')) {
            if (clause.isBlank()) {
                continue;
            }
            List<String> paths = new ArrayList<>();
            Map<String, String> attrs = new LinkedHashMap<>();
            Map<String, String> dirs = new LinkedHashMap<>();
            for (String part : split(clause, ';')) {
                String p = part.strip();
                int eq = indexOutsideQuotes(p, '=');
                if (eq < 0) {
                    if (!p.isEmpty()) {
                        paths.add(p);
                    }
                } else if (eq > 0 && p.charAt(eq - 1) == ':') {
                    dirs.put(p.substring(0, eq - 1).strip(), unquote(p.substring(eq + 1).strip()));
                } else {
                    String key = p.substring(0, eq).strip();
                    int colon = key.indexOf(':');
                    if (colon > 0) {
                        key = key.substring(0, colon).strip();
                    }
                    attrs.put(key, unquote(p.substring(eq + 1).strip()));
                }
            }
            if (paths.isEmpty()) {
                throw new IllegalArgumentException("a clause without a name: \"" + clause.strip() + "\"");
            }
            clauses.add(new Clause(paths, attrs, dirs));
        }
        return new ManifestHeader(clauses);
    }

    private static List<String> split(String s, char sep) {
        List<String> out = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == sep && !quoted) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("an unclosed quote in \"" + s + "\"");
        }
        out.add(s.substring(start));
        return out;
    }

    private static int indexOutsideQuotes(String s, char c) {
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char x = s.charAt(i);
            if (x == '"') {
                quoted = !quoted;
            } else if (x == c && !quoted) {
                return i;
            }
        }
        return -1;
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }
}
