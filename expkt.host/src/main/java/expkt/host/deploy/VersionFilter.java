package expkt.host.deploy;

import org.osgi.framework.Version;

/** An OSGi version range ({@code [1.2,2)}, {@code 1.2}) as LDAP filter terms on one attribute. Stateless. */
final class VersionFilter {
    private VersionFilter() {
    }

    /** Filter terms (to AND with others) for {@code range} on {@code attr}; empty for no range. */
    static String terms(String attr, String range) {
        if (range == null || range.isBlank()) {
            return "";
        }
        String r = range.strip();
        char first = r.charAt(0);
        if (first != '[' && first != '(') {
            return "(" + attr + ">=" + Version.parseVersion(r) + ")";
        }
        char last = r.charAt(r.length() - 1);
        int comma = r.indexOf(',');
        if (comma < 0 || (last != ']' && last != ')')) {
            throw new IllegalArgumentException("not a version range: " + range);
        }
        Version low = Version.parseVersion(r.substring(1, comma).strip());
        Version high = Version.parseVersion(r.substring(comma + 1, r.length() - 1).strip());
        String lo = first == '[' ? "(" + attr + ">=" + low + ")" : "(!(" + attr + "<=" + low + "))";
        String hi = last == ']' ? "(" + attr + "<=" + high + ")" : "(!(" + attr + ">=" + high + "))";
        return lo + hi;
    }
}
