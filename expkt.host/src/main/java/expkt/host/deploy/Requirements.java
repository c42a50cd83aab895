package expkt.host.deploy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.namespace.BundleNamespace;
import org.osgi.framework.namespace.HostNamespace;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Namespace;
import org.osgi.resource.Requirement;
import org.osgi.resource.Resource;

/**
 * Would a bundle jar resolve here? Its mandatory requirements (Import-Package, Require-Bundle,
 * Fragment-Host, Require-Capability with effective "resolve") are looked up with
 * {@link FrameworkWiring#findProviders} among what is installed, without installing the jar: the
 * running revision of the bundle it would replace is not disturbed (and does not count as a
 * provider, since it goes away with the update). Packages the jar exports itself satisfy its own
 * imports. Stateless.
 */
public final class Requirements {
    private Requirements() {
    }

    /** The requirements of {@code jar} no installed bundle (other than {@code replaced}) provides; empty: it resolves. */
    public static List<String> unsatisfied(BundleJar jar, FrameworkWiring wiring, Bundle replaced) {
        Attributes mf = jar.manifest();
        Set<String> ownExports = new HashSet<>();
        for (ManifestHeader.Clause c : ManifestHeader.parse(mf.getValue(Constants.EXPORT_PACKAGE)).clauses()) {
            ownExports.addAll(c.paths());
        }
        List<Req> reqs = new ArrayList<>();
        for (ManifestHeader.Clause c : ManifestHeader.parse(mf.getValue(Constants.IMPORT_PACKAGE)).clauses()) {
            if (optional(c)) {
                continue;
            }
            String range = c.attributes().getOrDefault(Constants.VERSION_ATTRIBUTE, c.attributes().get("specification-version"));
            for (String pkg : c.paths()) {
                if (ownExports.contains(pkg) || pkg.startsWith("java.")) {
                    continue;
                }
                reqs.add(new Req(PackageNamespace.PACKAGE_NAMESPACE,
                        "(&(" + PackageNamespace.PACKAGE_NAMESPACE + "=" + pkg + ")" + VersionFilter.terms("version", range)
                                + matchingAttributes(c.attributes()) + ")"));
            }
        }
        for (ManifestHeader.Clause c : ManifestHeader.parse(mf.getValue(Constants.REQUIRE_BUNDLE)).clauses()) {
            if (optional(c)) {
                continue;
            }
            for (String bsn : c.paths()) {
                reqs.add(new Req(BundleNamespace.BUNDLE_NAMESPACE, "(&(" + BundleNamespace.BUNDLE_NAMESPACE + "=" + bsn + ")"
                        + VersionFilter.terms(Constants.BUNDLE_VERSION_ATTRIBUTE, c.attributes().get(Constants.BUNDLE_VERSION_ATTRIBUTE)) + ")"));
            }
        }
        for (ManifestHeader.Clause c : ManifestHeader.parse(mf.getValue(Constants.FRAGMENT_HOST)).clauses()) {
            String host = c.paths().getFirst();
            reqs.add(new Req(HostNamespace.HOST_NAMESPACE, "(&(" + HostNamespace.HOST_NAMESPACE + "=" + host + ")"
                    + VersionFilter.terms(Constants.BUNDLE_VERSION_ATTRIBUTE, c.attributes().get(Constants.BUNDLE_VERSION_ATTRIBUTE)) + ")"));
        }
        for (ManifestHeader.Clause c : ManifestHeader.parse(mf.getValue(Constants.REQUIRE_CAPABILITY)).clauses()) {
            String effective = c.directives().getOrDefault(Namespace.REQUIREMENT_EFFECTIVE_DIRECTIVE, Namespace.EFFECTIVE_RESOLVE);
            if (optional(c) || !Namespace.EFFECTIVE_RESOLVE.equals(effective)) {
                continue;
            }
            for (String ns : c.paths()) {
                reqs.add(new Req(ns, c.directives().get(Namespace.REQUIREMENT_FILTER_DIRECTIVE)));
            }
        }
        List<String> missing = new ArrayList<>();
        for (Req r : reqs) {
            if (!provided(wiring.findProviders(r), replaced)) {
                missing.add(r.namespace + " " + (r.filter == null ? "(any)" : r.filter));
            }
        }
        return missing;
    }

    /**
     * The import's other matching attributes as filter terms: an export with a mandatory attribute
     * ({@code expkt.linux;expkt.internal=linux;mandatory:=expkt.internal}) matches only an import that
     * names it, so the filter must say it too.
     */
    static String matchingAttributes(Map<String, String> attributes) {
        StringBuilder f = new StringBuilder();
        for (Map.Entry<String, String> a : attributes.entrySet()) {
            String k = a.getKey();
            if (k.equals(Constants.VERSION_ATTRIBUTE) || k.equals("specification-version")) {
                continue;
            }
            if (k.equals(Constants.BUNDLE_VERSION_ATTRIBUTE)) {
                f.append(VersionFilter.terms(k, a.getValue()));
            } else {
                f.append('(').append(k).append('=').append(escape(a.getValue())).append(')');
            }
        }
        return f.toString();
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("*", "\\*").replace("(", "\\(").replace(")", "\\)");
    }

    private static boolean provided(Collection<BundleCapability> caps, Bundle replaced) {
        for (BundleCapability cap : caps) {
            if (replaced == null || cap.getRevision().getBundle().getBundleId() != replaced.getBundleId()) {
                return true;
            }
        }
        return false;
    }

    private static boolean optional(ManifestHeader.Clause c) {
        return Constants.RESOLUTION_OPTIONAL.equals(c.directives().get(Constants.RESOLUTION_DIRECTIVE));
    }

    /** A requirement of no resource, for {@link FrameworkWiring#findProviders}. */
    private record Req(String namespace, String filter) implements Requirement {
        @Override
        public String getNamespace() {
            return namespace;
        }

        @Override
        public Map<String, String> getDirectives() {
            return filter == null ? Map.of() : Map.of(Namespace.REQUIREMENT_FILTER_DIRECTIVE, filter);
        }

        @Override
        public Map<String, Object> getAttributes() {
            return Map.of();
        }

        @Override
        public Resource getResource() {
            return null;
        }

    }
}
